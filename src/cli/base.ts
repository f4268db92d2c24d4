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
import { AuthenticationError } from '../client/connection.js';
import { KafkaRequestError, UnreachableError, UnsupportedApiError } from '../client/errors.js';
import { ErrorCode } from '../protocol/errors.js';
import { UsageError } from './parse.js';
import { clientSecurity, securityFlags, type SecurityFlagValues } from './security-flags.js';

export const EXIT = { broker: 1, usage: 2, unreachable: 3, unsupported: 4 } as const;

export interface ConnectionFlags extends SecurityFlagValues {
  'bootstrap-server': string;
  'request-timeout': number;
}

const HINTS = new Map<number, string>([
  [ErrorCode.TOPIC_AUTHORIZATION_FAILED, 'The client is not authorized for this topic: check its ACLs.'],
  [ErrorCode.GROUP_AUTHORIZATION_FAILED, 'The client is not authorized for this group: check its ACLs.'],
  [
    ErrorCode.CLUSTER_AUTHORIZATION_FAILED,
    'The client is not authorized for cluster operations: check its ACLs.',
  ],
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
    ...securityFlags,
  };

  /** Runs `fn` with an admin client connected to the cluster, closing it afterwards. */
  protected async withAdmin<R>(flags: ConnectionFlags, fn: (admin: Admin) => Promise<R>): Promise<R> {
    const admin = await Admin.connect({
      bootstrap: flags['bootstrap-server'],
      requestTimeoutMs: flags['request-timeout'],
      connectTimeoutMs: Math.min(10_000, flags['request-timeout']),
      security: clientSecurity(flags),
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
    const f = describeFailure(err);
    if (this.jsonEnabled()) {
      process.exitCode = f.exitCode;
      this.logJson({ error: f });
      return;
    }
    // oclif's own errors (unknown flags, missing arguments) keep oclif's rendering and help hint
    if (err instanceof Errors.CLIError) throw err;
    process.stderr.write(`Error: ${f.message}\n`);
    this.exit(f.exitCode);
  }
}

export interface Failure {
  name: string;
  message: string;
  /** The Kafka error name (INVALID_CONFIG, ...) when the broker refused. */
  code: string | null;
  exitCode: number;
}

/** What went wrong, in words a person can act on, and the exit code (see above). */
export function describeFailure(err: Error): Failure {
  if (err instanceof Errors.CLIError) {
    return { name: 'UsageError', message: err.message, code: null, exitCode: err.oclif?.exit ?? EXIT.usage };
  }
  if (err instanceof UnreachableError) {
    return { name: err.name, message: err.message, code: null, exitCode: EXIT.unreachable };
  }
  if (err instanceof AuthenticationError) {
    return {
      name: err.name,
      message: err.message,
      code: 'SASL_AUTHENTICATION_FAILED',
      exitCode: EXIT.broker,
    };
  }
  if (err instanceof UnsupportedApiError) {
    return { name: err.name, message: err.message, code: null, exitCode: EXIT.unsupported };
  }
  if (err instanceof UsageError)
    return { name: err.name, message: err.message, code: null, exitCode: EXIT.usage };
  if (err instanceof KafkaRequestError) {
    const hint = HINTS.get(err.code);
    return {
      name: 'KafkaError',
      message: hint ? `${err.message} ${hint}` : err.message,
      code: err.errorName,
      exitCode: EXIT.broker,
    };
  }
  return {
    name: err?.name ?? 'Error',
    message: err?.message || String(err),
    code: null,
    exitCode: EXIT.broker,
  };
}
