import { describe } from 'vitest'
import { storeContract } from './store-contract.js'

describe('store contract: SQLite', () => storeContract('sqlite'))
