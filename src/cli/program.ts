/** The command line: names, options and help text; the work is in commands.ts. */
import { Command, Option } from 'commander';
import * as commands from './commands';
import type { CliIo } from './io';
import { codeState, duration, instant, OUTPUT_FORMATS, positiveInteger, webhookEvents } from './options';
import { withSession } from './session';

const DEFAULT_LIST_SIZE = 50;

function formatOption(): Option {
  return new Option('--format <format>', 'output format').choices(OUTPUT_FORMATS).default('csv');
}

export function buildProgram(env: NodeJS.ProcessEnv, io: CliIo): Command {
  const program = new Command('claimcheck')
    .description(
      "Administer claimcheck codes directly over the service layer. Reads the server's environment (DATABASE_URL, CODE_HMAC_KEYS, ...).",
    )
    // Set before adding commands: subcommands copy these settings.
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
      outputError: (text, writeErr) => writeErr(`claimcheck: ${text}`),
    })
    .showHelpAfterError('(claimcheck --help lists the commands and their options)');

  const session = <T>(use: Parameters<typeof withSession<T>>[2]) => withSession(env, io, use);

  program
    .command('issue')
    .description('issue codes; the plaintext codes are written to stdout, once, and stored nowhere')
    .option('--count <n>', 'how many codes', positiveInteger, 1)
    .option('--purpose <purpose>', 'the flow the codes are for (redemption must name it)')
    .option('--scope <scope>', 'tenant or community boundary')
    .option('--grant <grant>', 'opaque payload returned to whoever redeems a code')
    .option(
      '--ttl <duration>',
      'lifetime: seconds, or with a unit (12h, 30d); the policy default when absent',
      duration,
    )
    .option('--expires-at <instant>', 'an absolute end instead of --ttl (ISO-8601, e.g. 2026-12-31T23:59:59Z)', instant)
    .option('--starts-at <instant>', 'not redeemable before this instant (ISO-8601)', instant)
    .option('--max-redemptions <n>', 'uses in total (a promotion code); 1 when absent', positiveInteger)
    .option('--per-subject <n>', 'uses per subject (e.g. once per customer); no limit when absent', positiveInteger)
    .addOption(formatOption())
    .action((options: commands.IssueCommandOptions) => session((s) => commands.issue(s, io, options)));

  program
    .command('revoke')
    .description('revoke a code that is still unused')
    .argument('<id>', 'the code id')
    .option('--scope <scope>', 'only a code of this scope')
    .action((id: string, options: { scope?: string }) =>
      session((s) => commands.revoke(s, io, id, options.scope ?? null)),
    );

  program
    .command('show')
    .description("one code's metadata and its active holds, as JSON")
    .argument('<id>', 'the code id')
    .option('--scope <scope>', 'only a code of this scope')
    .action((id: string, options: { scope?: string }) =>
      session((s) => commands.show(s, io, id, options.scope ?? null)),
    );

  program
    .command('list')
    .description('codes, newest first, one page at a time')
    .option('--scope <scope>', 'only this scope')
    .option('--purpose <purpose>', 'only this purpose')
    .option('--state <state>', 'redeemable, used, revoked, expired or scheduled', codeState)
    .option('--first <n>', 'page size, at most 500', positiveInteger, DEFAULT_LIST_SIZE)
    .option('--after <cursor>', 'the cursor printed after the previous page')
    .addOption(formatOption())
    .action((options: commands.ListCommandOptions) => session((s) => commands.list(s, io, options)));

  program
    .command('redemptions')
    .description("a code's redemptions, newest first, reversed ones included")
    .argument('<code-id>', 'the code id')
    .option('--scope <scope>', 'only a code of this scope')
    .option('--first <n>', 'page size, at most 500', positiveInteger, DEFAULT_LIST_SIZE)
    .option('--after <cursor>', 'the cursor printed after the previous page')
    .addOption(formatOption())
    .action((codeId: string, options: commands.RedemptionsCommandOptions) =>
      session((s) => commands.redemptions(s, io, codeId, options)),
    );

  program
    .command('reverse')
    .description('undo one redemption (e.g. the order was cancelled): its use goes back to the code')
    .argument('<redemption-id>', 'the redemption id (Redemption.id, or from `redemptions`)')
    .option('--reason <text>', 'why, kept with the redemption (at most 500 characters)')
    .option('--scope <scope>', 'only a redemption of a code in this scope')
    .action((redemptionId: string, options: { reason?: string; scope?: string }) =>
      session((s) => commands.reverse(s, io, redemptionId, options)),
    );

  program
    .command('stats')
    .description('counts of codes by state, as JSON')
    .option('--scope <scope>', 'only this scope')
    .option('--purpose <purpose>', 'only this purpose')
    .action((options: { scope?: string; purpose?: string }) => session((s) => commands.stats(s, io, options)));

  const webhooks = program
    .command('webhooks')
    .description('signed webhook endpoints and their deliveries (docs/webhooks.md)');

  webhooks
    .command('add')
    .description('subscribe a URL to events; prints the endpoint and its signing secret, shown only once')
    .argument('<url>', 'an http(s) URL that receives POSTed events')
    .requiredOption(
      '--events <types>',
      'comma-separated: code.redeemed, redemption.reversed, code.revoked, codes.issued, hold.created, hold.released, or all',
      webhookEvents,
    )
    .option('--scope <scope>', 'only events of codes in this scope')
    .option('--description <text>', 'what the endpoint is for')
    .action((url: string, options: commands.WebhookAddOptions) =>
      session((s) => commands.webhookAdd(s, io, url, options)),
    );

  webhooks
    .command('list')
    .description('webhook endpoints (never their secrets)')
    .option('--scope <scope>', 'only endpoints of this scope')
    .addOption(formatOption())
    .action((options: { scope?: string; format: 'csv' | 'jsonl' }) =>
      session((s) => commands.webhookList(s, io, options)),
    );

  webhooks
    .command('rm')
    .description('delete an endpoint: its pending deliveries are cancelled')
    .argument('<id>', 'the endpoint id')
    .option('--scope <scope>', 'only an endpoint of this scope')
    .action((id: string, options: { scope?: string }) =>
      session((s) => commands.webhookRemove(s, io, id, options.scope ?? null)),
    );

  webhooks
    .command('deliveries')
    .description("an endpoint's deliveries, newest first; with --event, every attempt at one of them")
    .argument('<endpoint-id>', 'the endpoint id')
    .option('--event <event-id>', 'show the attempts at this event (status, duration, error class)')
    .option('--scope <scope>', 'only an endpoint of this scope')
    .option('--first <n>', 'page size, at most 500', positiveInteger, DEFAULT_LIST_SIZE)
    .option('--after <cursor>', 'the cursor printed after the previous page')
    .addOption(formatOption())
    .action((endpointId: string, options: commands.DeliveriesCommandOptions) =>
      session((s) => commands.webhookDeliveries(s, io, endpointId, options)),
    );

  program
    .command('keygen')
    .description('print a fresh CODE_HMAC_KEYS or WEBHOOK_SECRET_KEYS entry (version:base64key of 32 random bytes)')
    .option('--version <version>', 'the key version label', 'v1')
    .action((options: { version: string }) => commands.keygen(io, options.version));

  return program;
}
