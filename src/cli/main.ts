/**
 * The `orchestral` command line (commander). One module per command under `commands/`, imported
 * only when that command runs. Every error becomes one line on stderr (`orchestral: …`) and an exit
 * code (exit-codes.ts); `--debug` prints the stack. See README.md for the tour.
 *
 * Importing this module runs nothing: `run(argv)` runs the CLI and resolves with the exit code;
 * `bin.ts` (the `orchestral` executable's module) calls it with the process's arguments.
 */
import { Command, CommanderError, Option } from 'commander';
import { DEFAULT_STORE_URL } from '../base.ts';
import { exitCodeFor, formatCliError } from './cli-errors.ts';
import { checkThreadIds } from './args.ts';
import { checkEnvironment, envStoreUrl } from './env.ts';
import type { CommandContext, ContextHolder } from './context.ts';
import { EXIT } from './exit-codes.ts';
import { processIo, type CliIo } from './io.ts';
import { safeText } from './render/safe-text.ts';
import { packageVersion } from './version.ts';

const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

/** Builds the program; each action sets `result.code`. */
export function buildProgram(io: CliIo, result: { code: number }): Command {
  const program = new Command('orchestral')
    .description('Event-sourced, resumable, replayable execution of agent plans.')
    .addOption(new Option('--store <url>', 'event store URL (memory:, sqlite:PATH, postgres://…; default $ORCHESTRAL_STORE)').default(DEFAULT_STORE_URL))
    .option('--debug', 'print stack traces on errors', false)
    .version(packageVersion(), '-V, --version', 'print the version and exit')
    .showHelpAfterError(false)
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.write(s), writeErr: () => undefined, outputError: () => undefined });

  const ctx = (cmd: Command): CommandContext => {
    const g = cmd.optsWithGlobals<{ store: string; debug: boolean }>();
    const storeUrl = program.getOptionValueSource('store') === 'cli' ? g.store : (envStoreUrl() ?? DEFAULT_STORE_URL);
    return { io, storeUrl, debug: g.debug };
  };
  const ctxHolder: ContextHolder = { get: ctx };
  const run =
    <A extends unknown[]>(load: () => Promise<(cmd: Command, ...args: A) => Promise<number>>) =>
    async (...args: unknown[]): Promise<void> => {
      const cmd = args[args.length - 1] as Command;
      checkEnvironment();
      checkThreadIds(cmd, args.slice(0, -2));
      result.code = await (await load())(cmd, ...(args.slice(0, -2) as A));
    };

  program
    .command('run')
    .description('run a plan file (JSON/YAML) or an --intent (OpenAI planner) in a new thread, with live progress')
    .argument('[plan]', 'plan file (.json, .yaml)')
    .option('--intent <text>', 'plan with the OpenAI planner instead of a plan file')
    .option('--model <name>', 'OpenAI model (default $ORCHESTRAL_MODEL or gpt-4.1-mini)')
    .option('--base-url <url>', 'OpenAI-compatible endpoint (default $OPENAI_BASE_URL)')
    .option('--planner-timeout <ms>', 'OpenAI planner: timeout of each HTTP attempt, ms (default $ORCHESTRAL_PLANNER_TIMEOUT_MS or 60000)')
    .option('--fallback-model <model[=url]>', 'OpenAI planner: a model tried when the ones before are unavailable, optionally at its own endpoint (repeatable)', collect)
    .option('--planner-retries <n>', 'OpenAI planner: retries of a timed-out or failed request (default $ORCHESTRAL_PLANNER_RETRIES or 3)')
    .option('--thread <thread>', 'thread id (new, or a thread running the same plan file)')
    .option('--title <text>', 'thread title (default: the plan title)')
    .option('--policy <policy>', 'concurrency policy of a new thread: enqueue (default), reject, interrupt, steer, parallel:N')
    .option('--workspace <dir>', 'directory actions work in (default: the working directory)')
    .option('--actions <module>', 'module exporting an array of actions (repeatable)', collect)
    .option('--routes <file>', 'routes file: intents and events that match a route run its plan with no planner call; others go to the OpenAI planner when one is configured')
    .option('--mcp <file>', 'MCP servers file ({ "mcpServers": { … } }): their tools become mcp__<server>__<tool> actions (repeatable)', collect)
    .option('--json', 'print the live interaction stream as JSON lines', false)
    .option('--no-prompt', 'never ask for approvals on the terminal')
    .option('--inspect', 'show the actors live in the Stately inspector (browser)', false)
    .option('--inspect-url <url>', 'send inspection events to this WebSocket (ws://…)')
    .option('--inspect-port <port>', 'port of the local inspector bridge (default 8080)')
    .action(run(async () => (await import('./commands/run.ts')).runCommand.bind(null, ctxHolder)));

  program
    .command('threads')
    .description('list the threads of the store')
    .option('--json', 'one JSON line per thread', false)
    .action(run(async () => (await import('./commands/threads.ts')).threadsCommand.bind(null, ctxHolder)));

  program
    .command('worker')
    .description('run the threads of a shared store that need an owner, until SIGTERM (then hand them back)')
    .option('--concurrency <n>', 'threads run at once', '4')
    .option('--id <name>', 'holder id of this worker (default host:pid:random)')
    .option('--lease-ttl <ms>', 'lease duration: a dead worker on another machine loses its threads after this (+ --poll)', '8000')
    .option('--poll <ms>', 'fallback tick: retries of threads another holder had (failover)', '1000')
    .action(run(async () => (await import('./commands/worker.ts')).workerCommand.bind(null, ctxHolder)));

  program
    .command('serve')
    .description('HTTP API, SSE streams and web console over the store; runs the threads that need an owner')
    .option('--host <host>', 'address to bind (anything but loopback needs --token)', '127.0.0.1')
    .option('--port <port>', 'TCP port', '7300')
    .option('--token <token>', 'bearer token every API request must carry (default $ORCHESTRAL_TOKEN)')
    .option('--cors <origin>', 'allow this origin (CORS); none by default')
    .option('--workspace <dir>', 'directory actions of threads opened over HTTP work in (default: the working directory)')
    .option('--actions <module>', 'action modules for threads opened over HTTP (repeatable)', collect)
    .option('--concurrency <n>', 'threads run at once', '4')
    .option('--max-body <bytes>', 'largest request body', String(2 * 1024 * 1024))
    .action(run(async () => (await import('./commands/serve.ts')).serveCommand.bind(null, ctxHolder)));

  program
    .command('workers')
    .description('list the processes that run threads now (lease holders) and their threads')
    .option('--json', 'one JSON line per holder', false)
    .action(run(async () => (await import('./commands/workers.ts')).workersCommand.bind(null, ctxHolder)));

  program
    .command('show')
    .description('show a thread: steps, the DAG, costs, pending approvals')
    .argument('<thread>')
    .option('--at <rev>', 'as of this revision')
    .option('--json', 'JSON instead of text', false)
    .action(run(async () => (await import('./commands/show.ts')).showCommand.bind(null, ctxHolder)));

  program
    .command('events')
    .description("print a thread's facts")
    .argument('<thread>')
    .option('--from <rev>', 'first revision', undefined)
    .option('--json', 'one JSON line per fact', false)
    .action(run(async () => (await import('./commands/events.ts')).eventsCli.bind(null, ctxHolder)));

  program
    .command('replay')
    .description("rebuild a thread's snapshot from its facts (never calls a planner or an action)")
    .argument('<thread>')
    .option('--to <rev>', 'last revision to apply')
    .option('--json', 'JSON instead of text', false)
    .option('--verify', 'check every recorded snapshot hash against the current machine code', false)
    .action(run(async () => (await import('./commands/replay.ts')).replayCommand.bind(null, ctxHolder)));

  program
    .command('verify')
    .description("check every stored event against its chained checksum; list each damaged one (exit 1 if any)")
    .option('--json', 'one JSON line per damaged event, then a summary', false)
    .action(run(async () => (await import('./commands/verify.ts')).verifyCli.bind(null, ctxHolder)));

  program
    .command('fork')
    .description('copy a thread up to a revision into a new thread')
    .argument('<thread>')
    .requiredOption('--at <rev>', 'last revision copied')
    .option('--id <thread>', 'id of the new thread (default: a new UUID)')
    .action(run(async () => (await import('./commands/fork.ts')).forkCommand.bind(null, ctxHolder)));

  for (const verb of ['approve', 'reject'] as const) {
    program
      .command(verb)
      .description(`${verb} a pending approval (step id or approval id), then continue the run`)
      .argument('<thread>')
      .argument('<step>', 'step id or approval id')
      .option('--reason <text>')
      .option('--by <name>', 'who decides (default $USER)')
      .option('--no-wait', 'record the decision and exit')
      .option('--json', 'print the live interaction stream as JSON lines', false)
      .option('--workspace <dir>', "override the thread's workspace")
      .option('--actions <module>', 'more action modules (repeatable)', collect)
      .option('--inspect', 'show the actors live in the Stately inspector (browser)', false)
      .option('--inspect-url <url>', 'send inspection events to this WebSocket (ws://…)')
      .option('--inspect-port <port>', 'port of the local inspector bridge (default 8080)')
      .action(run(async () => (await import('./commands/decide.ts')).decideCommand.bind(null, ctxHolder, verb)));
    if (verb === 'approve') {
      const approve = program.commands.find((c) => c.name() === 'approve');
      approve?.option('--extend-budget <usd>', 'also raise the budget in force by this many USD (answering a budget approval)');
    }
  }

  program
    .command('send')
    .description("send input to a thread (through its concurrency policy), then follow it")
    .argument('<thread>')
    .argument('<input>')
    .option('--by <name>', 'who sends it (default $USER)')
    .option('--no-wait', 'record the input and exit')
    .option('--json', 'print the live interaction stream as JSON lines', false)
    .option('--no-prompt', 'never ask for approvals on the terminal')
    .option('--workspace <dir>', "override the thread's workspace")
    .option('--actions <module>', 'more action modules (repeatable)', collect)
    .option('--inspect', 'show the actors live in the Stately inspector (browser)', false)
    .option('--inspect-url <url>', 'send inspection events to this WebSocket (ws://…)')
    .option('--inspect-port <port>', 'port of the local inspector bridge (default 8080)')
    .action(run(async () => (await import('./commands/send.ts')).sendCommand.bind(null, ctxHolder)));

  program
    .command('emit')
    .description('send an event to a thread (its routes map { event: <type> } to a plan), then follow it')
    .argument('<thread>')
    .argument('<type>', 'event type, e.g. deploy or github.push')
    .option('--data <json>', 'the event data (JSON)')
    .option('--by <name>', 'who sends it (default $USER)')
    .option('--no-wait', 'record the event and exit')
    .option('--json', 'print the live interaction stream as JSON lines', false)
    .option('--no-prompt', 'never ask for approvals on the terminal')
    .option('--workspace <dir>', "override the thread's workspace")
    .option('--actions <module>', 'more action modules (repeatable)', collect)
    .action(run(async () => (await import('./commands/emit.ts')).emitCommand.bind(null, ctxHolder)));

  program
    .command('cancel')
    .description('cancel the live interactions of a thread (or one)')
    .argument('<thread>')
    .option('--interaction <id>')
    .option('--reason <text>', 'why', 'cancelled from the command line')
    .action(run(async () => (await import('./commands/cancel.ts')).cancelCommand.bind(null, ctxHolder)));

  program
    .command('resume')
    .description('continue a thread after a crash, an approval or an interrupt')
    .argument('<thread>')
    .option('--json', 'print the live interaction stream as JSON lines', false)
    .option('--no-prompt', 'never ask for approvals on the terminal')
    .option('--workspace <dir>', "override the thread's workspace")
    .option('--actions <module>', 'more action modules (repeatable)', collect)
    .option('--by <name>', 'who resumes (default $USER)')
    .option('--inspect', 'show the actors live in the Stately inspector (browser)', false)
    .option('--inspect-url <url>', 'send inspection events to this WebSocket (ws://…)')
    .option('--inspect-port <port>', 'port of the local inspector bridge (default 8080)')
    .action(run(async () => (await import('./commands/resume.ts')).resumeCommand.bind(null, ctxHolder)));

  program
    .command('inspect')
    .description("replay a thread's facts through the machines into the Stately inspector")
    .argument('<thread>')
    .option('--to <rev>', 'last revision replayed')
    .option('--inspect-url <url>', 'send to this WebSocket (ws://…) instead of opening the browser inspector')
    .option('--inspect-port <port>', 'port of the local inspector bridge (default 8080)')
    .action(run(async () => (await import('./commands/inspect.ts')).inspectCommand.bind(null, ctxHolder)));

  program
    .command('machines')
    .description('export the machine definitions (for Stately Studio)')
    .option('--json', 'JSON (the only format)', true)
    .action(run(async () => (await import('./commands/machines.ts')).machinesCommand.bind(null, ctxHolder)));

  return program;
}

/**
 * Runs the CLI with `argv` (user arguments only, e.g. `['threads', '--json']`); resolves with the
 * exit code (see exit-codes.ts). Errors are printed to `io` as one line, never thrown.
 */
export async function run(argv: readonly string[], io: CliIo = processIo()): Promise<number> {
  const result = { code: EXIT.ok as number };
  const program = buildProgram(io, result);
  const debug = argv.includes('--debug');
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return result.code;
  } catch (err) {
    if (err instanceof CommanderError && (err.code === 'commander.helpDisplayed' || err.code === 'commander.help' || err.code === 'commander.version')) {
      return EXIT.ok;
    }
    io.err(safeText(formatCliError(err, debug), { multiline: true }));
    return exitCodeFor(err);
  }
}
