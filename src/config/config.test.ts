import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { loadConfig } from './config.js'

describe('loadConfig', () => {
  it('defaults to SQLite on port 4000 with the demo', () => {
    const config = loadConfig({ env: {}, file: writeConfig({}) })
    expect(config).toMatchObject({ port: 4000, host: '127.0.0.1', demo: true, store: { kind: 'sqlite', path: './salestwin.db' } })
    expect(Object.isFrozen(config)).toBe(true)
  })

  it('ranks flags over environment over file over defaults', () => {
    const file = writeConfig({ port: 4001, host: '0.0.0.0', logLevel: 'warn' })
    const env = { SALESTWIN_PORT: '4002', SALESTWIN_HOST: '127.0.0.2' }
    expect(loadConfig({ file, env, flags: { port: '4003' } })).toMatchObject({ port: 4003, host: '127.0.0.2', logLevel: 'warn' })
  })

  it('selects PostgreSQL from a postgres:// URL', () => {
    expect(loadConfig({ env: { SALESTWIN_DB: 'postgres://db.internal:5432/st' }, file: writeConfig({}) }).store).toEqual({ kind: 'postgres', url: 'postgres://db.internal:5432/st' })
  })

  it('lists every problem with its variable and value, masking secrets', () => {
    expect(() => loadConfig({ env: { SALESTWIN_PORT: 'eighty', SALESTWIN_DEFAULT_COUNTRY: 'Germany', SALESTWIN_DB: '' }, flags: { db: '' }, file: writeConfig({}) })).toThrow(
      /port \(SALESTWIN_PORT\) .*got "eighty"; db \(SALESTWIN_DB\) .*got \(secret\); defaultCountry \(SALESTWIN_DEFAULT_COUNTRY\) must be a two-letter ISO country code, got "Germany"/,
    )
    expect(() => loadConfig({ env: { SALESTWIN_EXTERNAL_ID_TRAITS: 'crm_id' }, file: writeConfig({}) })).toThrow('externalIdTraits (SALESTWIN_EXTERNAL_ID_TRAITS) must be trait=type pairs, "crm_id" is not')
  })

  it('takes attribution channel rules as JSON and checks the channels they name', () => {
    const config = loadConfig({ env: { SALESTWIN_CHANNEL_RULES: '{"mediums":{"podcast":"radio"}}' }, file: writeConfig({}) })
    expect(config.channelRules).toEqual({ mediums: { podcast: 'radio' } })
    expect(() => loadConfig({ env: { SALESTWIN_CHANNEL_RULES: '{"mediums":{"podcast":"podcasts"}}' }, file: writeConfig({}) })).toThrow(
      /channelRules \(SALESTWIN_CHANNEL_RULES\) must map to one of paid_search, .*, event, got/,
    )
  })

  it('takes outbound destinations as JSON with defaults, and names what is wrong with one without showing it', () => {
    const esp = { url: 'https://esp.example.com/hook', channels: ['email'], secret: 'a-secret-of-16-chars' }
    expect(loadConfig({ env: { SALESTWIN_DESTINATIONS: JSON.stringify({ esp }) }, file: writeConfig({}) }).destinations).toEqual({
      esp: { ...esp, timeoutMs: 5000, maxAttempts: 5, backoffMs: 1000, concurrency: 4 },
    })
    expect(() => loadConfig({ file: writeConfig({ destinations: { esp: { ...esp, channels: ['web'], secret: 'short' } } }) })).toThrow(
      'invalid configuration: destinations (SALESTWIN_DESTINATIONS) must be outbound channels: email, sms, push, post, phone, got (secret); destinations (SALESTWIN_DESTINATIONS) must have a secret of at least 16 characters, got (secret)',
    )
  })

  it('says which config file is broken', () => {
    const dir = mkdtempSync(join(tmpdir(), 'st-config-'))
    const file = join(dir, 'bad.json')
    writeFileSync(file, '{ nope')
    expect(() => loadConfig({ file })).toThrow(new RegExp(`config file ${file}: .*JSON`))
    expect(() => loadConfig({ file: join(dir, 'missing.json') })).toThrow('does not exist')
  })
})

function writeConfig(content: object): string {
  const file = join(mkdtempSync(join(tmpdir(), 'st-config-')), 'salestwin.config.json')
  writeFileSync(file, JSON.stringify(content))
  return file
}
