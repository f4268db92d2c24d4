// The base of every command that talks to a Kafka cluster: the --bootstrap-server and
// --request-timeout flags, --json, a connected admin client that is always closed, and errors
// turned into messages a person can act on with distinct exit codes:
//   1  the broker refused (unknown topic, invalid config, not authorized, ...)
//   2  bad usage (flags, values)
//   3  the cluster cannot be reached
//   4  the broker does not support what the command needs
// With --json, stdout carries only the result object (or {"error": {...}}); notes go to stderr.

import { Command, Errors, Flags } from '@oclif/core';
import { Admin } from '../client/admin/index.js';
import { DEFAULT_BOOTSTRAP } from '../client/cluster.js';
import { KafkaRequestError, UnreachableError, UnsupportedApiError } from '../client/errors.js';
import { ErrorCode } from '../protocol/errors.js';
import { UsageError } from './parse.js';

export const EXIT = { broker: 1, usage: 2, unreachable: 3, unsupported: 4 } as const;

export interface ConnectionFlags {
  'bootstrap-server': string;
  'request-timeout': number;
}

const HINTS = new Map<number, string>([
  [ErrorCode.TOPIC_AUTHORIZATION_FAILED, 'The client is not authorized for this topic: check its ACLs.'],
  [ErrorCode.GROUP_AUTHORIZATION_FAILED, 'The client is not authorized for this group: check its ACLs.'],
  [ErrorCode.CLUSTER_AUTHORIZATION_FAILED, 'The client is not authorized for cluster operations: check its ACLs.'],
]);

export abstract class ClusterCommand extends Command {
  static override enableJsonFlag = true;

  static override baseFlags = {
    'bootstrap-server': Flags.string({
      char: 'b',
      summary: 'Broker to bootstrap from: host:port[,host:port...].',
      default: DEFAULT_BOOTSTRAP,
      env: 'FLUXMQ_BOOTSTRAP_SERVER',
      helpGroup: 'CONNECTION',
    }),
    'request-timeout': Flags.integer({
      summary: 'Milliseconds to wait for each broker response.',
      default: 30_000,
      min: 1,
      helpGroup: 'CONNECTION',
    }),
  };

  /** Runs `fn` with an admin client connected to the cluster, closing it afterwards. */
  protected async withAdmin<R>(flags: ConnectionFlags, fn: (admin: Admin) => Promise<R>): Promise<R> {
    const admin = await Admin.connect({
      bootstrap: flags['bootstrap-server'],
      requestTimeoutMs: flags['request-timeout'],
      connectTimeoutMs: Math.min(10_000, flags['request-timeout']),
    });
    try {
      return await fn(admin);
    } finally {
      admin.close();
    }
  }

  /** Human output on stdout (nothing with --json). */
  protected print(text: string): void {
    if (!this.jsonEnabled()) process.stdout.write(text.endsWith('\n') ? text : text + '\n');
  }

  /** A progress note on stderr (nothing with --json). */
  protected note(text: string): void {
    if (!this.jsonEnabled()) process.stderr.write(text + '\n');
  }

  /** A usage error (exit code 2). */
  protected usage(message: string): never {
    throw new UsageError(message);
  }

  override async catch(err: Error & { exitCode?: number }): Promise<unknown> {
    const cli = toCliError(err);
    if (this.jsonEnabled()) {
      process.exitCode = cli.oclif.exit ?? 1;
      this.logJson(this.toErrorJson(cli));
      return;
    }
    throw cli;
  }

  protected override toErrorJson(err: unknown): unknown {
    const e = err as Errors.CLIError & { kafkaError?: string };
    return { error: { name: e.name, message: e.message, code: e.kafkaError ?? null, exitCode: e.oclif?.exit ?? 1 } };
  }
}

/** Maps client errors to oclif errors with the exit codes above. */
export function toCliError(err: Error): Errors.CLIError {
  if (err instanceof Errors.CLIError) return err;
  let exit: number = EXIT.broker;
  let message = err.message;
  let kafkaError: string | undefined;
  if (err instanceof UnreachableError) exit = EXIT.unreachable;
  else if (err instanceof UnsupportedApiError) exit = EXIT.unsupported;
  else if (err instanceof UsageError) exit = EXIT.usage;
  else if (err instanceof KafkaRequestError) {
    kafkaError = err.errorName;
    const hint = HINTS.get(err.code);
    if (hint) message += ` ${hint}`;
  } else if (!(err instanceof Error) || err.name === 'Error' || err.name === 'TypeError') {
    message = err.message || String(err);
  }
  const cli = new Errors.CLIError(message, { exit });
  if (kafkaError) Object.assign(cli, { kafkaError });
  cli.name = err instanceof KafkaRequestError ? 'KafkaError' : err.name || 'Error';
  return cli;
}
