import { describe } from 'vitest'
import { decisionsContract } from './decisions-contract.js'
import { learningContract } from './learning-contract.js'
import { storeContract } from './store-contract.js'

describe('store contract: SQLite', () => {
  storeContract('sqlite')
  decisionsContract('sqlite')
  learningContract('sqlite')
})
