// Flags every bench command shares, each with an environment-variable twin.
import { Flags } from '@oclif/core';

export const benchFlags = {
  'bootstrap-server': Flags.string({
    char: 'b',
    description: 'Broker to bootstrap from (host:port).',
    default: '127.0.0.1:9092',
    env: 'FLUXMQ_BOOTSTRAP_SERVER',
  }),
  topic: Flags.string({ char: 't', description: 'Topic to use.', default: 'fluxmq-bench' }),
  dashboard: Flags.boolean({
    description: 'Live dashboard on a TTY (--no-dashboard: one line per second).',
    default: true,
    allowNo: true,
  }),
};
