import { userInfo } from 'node:os'
import type { Command } from 'commander'
import { erasePerson, exportPerson } from '../consent/privacy.js'
import { ROLES } from '../core/api-key.js'
import { AppError } from '../core/errors.js'
import { lookupKey } from '../identity/lookup-key.js'
import { appendLocalAudit, localAuditEntry } from '../server/access/audit.js'
import { createApiKey, listApiKeys, revokeApiKey } from '../server/access/keys.js'
import { printResult } from './output.js'
import { withRuntime, type CommonFlags, type Runtime } from './runtime.js'

type Flags = CommonFlags & Record<string, unknown>

/** `salestwin keys …` (API keys with roles) and `salestwin privacy …` (GDPR export and erasure). */
export function accessCommands(program: Command, common: (cmd: Command) => Command): void {
  const keys = program.command('keys').description('API keys with roles: source, agent, analyst, admin (docs/access.md)')
  common(keys.command('create'))
    .description('create a key; the key is shown this once')
    .requiredOption('--role <role>', ROLES.join(' | '))
    .requiredOption('--name <name>', 'who or what uses it, e.g. "call center Berlin"')
    .option('--source <name>', 'for role source: the source whose events it sends')
    .option('--json', 'print one JSON document')
    .action(async (flags: Flags) =>
      withRuntime(flags, async ({ store }) => {
        const created = await createApiKey(store, { role: flags.role, name: flags.name, ...(flags.source !== undefined ? { source: flags.source } : {}) })
        await appendLocalAudit(store, cliActor(), 'keys.create', null, 'administration', { id: created.id, role: created.role, name: created.name })
        printResult(created, Boolean(flags.json), () => `key ${created.id} (${created.role}, "${created.name}") created; the key, shown this once:\n${created.secret}`)
      }),
    )
  common(keys.command('list'))
    .description('list keys (never the keys themselves: id, role, name, hint, revoked)')
    .option('--json', 'print one JSON document')
    .action(async (flags: Flags) =>
      withRuntime(flags, async ({ store }) => {
        const list = await listApiKeys(store)
        printResult(list, Boolean(flags.json), () =>
          list.map((k) => `${k.id}  ${k.role.padEnd(8)} ${k.hint.padEnd(9)} ${k.name}${k.source ? ` (source ${k.source})` : ''}${k.revokedAt ? `  revoked ${k.revokedAt}` : ''}`).join('\n') || 'no keys yet',
        )
      }),
    )
  common(keys.command('revoke'))
    .description('revoke a key by its id; a running server stops taking it within 10 s')
    .argument('<id>', 'the key id, e.g. key_3f2a9c…')
    .option('--json', 'print one JSON document')
    .action(async (id: string, flags: Flags) =>
      withRuntime(flags, async ({ store }) => {
        const revoked = await revokeApiKey(store, id)
        await appendLocalAudit(store, cliActor(), 'keys.revoke', null, 'administration', { id })
        printResult(revoked, Boolean(flags.json), () => `key ${revoked.id} revoked at ${revoked.revokedAt}`)
      }),
    )

  const privacy = program.command('privacy').description('GDPR rights: export everything about a person, or erase them')
  const person = (cmd: Command) =>
    common(cmd)
      .option('--email <email>')
      .option('--user-id <id>')
      .option('--phone <phone>')
      .option('--profile-id <id>')
      .option('--json', 'print one JSON document')
  person(privacy.command('erase'))
    .description('erase a person: events, identifiers, traits, consent, computed values, quarantined payloads; leaves a salted-hash suppression')
    .action(async (flags: Flags) =>
      withRuntime(flags, async (runtime) => {
        const id = await profileOf(runtime, flags)
        const result = await erasePerson(runtime.store, runtime.consent, id, (profileId, removed) =>
          localAuditEntry(cliActor(), 'profile.erase', profileId, 'gdpr_request', { removed }),
        )
        const total = Object.values(result.removed).reduce((a, b) => a + b, 0)
        printResult(result, Boolean(flags.json), () => `profile ${result.profileId} erased: ${total} rows removed, ${result.suppressed} identifier(s) kept as suppression hashes`)
      }),
    )
  privacy
    .command('compact')
    .description('rewrite the tables erasures touch (SQLite VACUUM, PostgreSQL VACUUM FULL) so no freed byte stays in the files')
    .option('--json', 'print one JSON document')
    .action(async (flags: Flags) =>
      withRuntime(flags, async (runtime) => {
        const started = Date.now()
        await runtime.store.compact()
        printResult({ compacted: true, dialect: runtime.store.dialect, ms: Date.now() - started }, Boolean(flags.json), () => `store compacted in ${Date.now() - started} ms`)
      }),
    )
  person(privacy.command('export'))
    .description('everything salestwin holds about a person, as one JSON document')
    .action(async (flags: Flags) =>
      withRuntime(flags, async (runtime) => {
        const id = await profileOf(runtime, flags)
        const data = await exportPerson(runtime.store, runtime.consent, id)
        await appendLocalAudit(runtime.store, cliActor(), 'profile.export', id, 'gdpr_request', { events: data.events.length })
        printResult(data, true, () => '')
      }),
    )
}

/** Who runs a CLI command, for the audit log: `cli:<os user>`. */
function cliActor(): string {
  return `cli:${userInfo().username}`
}

/** The profile a privacy command names, by exactly one of its selectors. */
async function profileOf(runtime: Runtime, flags: Flags): Promise<string> {
  const given = (['email', 'userId', 'phone', 'profileId'] as const).filter((k) => typeof flags[k] === 'string')
  if (given.length !== 1) throw new AppError('REQUEST_INVALID', `name the person by exactly one of --email, --user-id, --phone, --profile-id, got ${given.length}`)
  const selector = given[0]!
  const value = flags[selector] as string
  const profileId =
    selector === 'profileId'
      ? await runtime.store.profiles.resolve(value)
      : await runtime.store.profiles.idOfIdentifier(lookupKey({ [selector]: value }, runtime.config.defaultCountry))
  if (!profileId) throw new AppError('PROFILE_NOT_FOUND', `no profile has that ${selector}`)
  return profileId
}
