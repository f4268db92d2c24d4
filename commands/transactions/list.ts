import { Flags } from '@oclif/core';
import type { TransactionSummary } from '../../src/client/admin/index.js';
import { ClusterCommand } from '../../src/cli/base.js';
import { renderTransactionList } from '../../src/cli/render/transactions.js';

export interface TransactionsListResult {
  transactions: TransactionSummary[];
}

export default class TransactionsList extends ClusterCommand {
  static override summary = 'List the transactional ids of a cluster and the state of their transactions.';
  static override examples = [
    '<%= config.bin %> transactions list',
    '<%= config.bin %> transactions list --state Ongoing --min-duration 60000',
    '<%= config.bin %> transactions list --json',
  ];

  static override flags = {
    state: Flags.string({
      description:
        'Only transactions in this state (Empty, Ongoing, PrepareCommit, PrepareAbort, CompleteCommit, CompleteAbort); repeatable.',
      multiple: true,
    }),
    'producer-id': Flags.integer({ description: 'Only this producer id; repeatable.', multiple: true }),
    'min-duration': Flags.integer({
      description: 'Only transactions open for at least this many milliseconds.',
      min: 0,
    }),
  };

  async run(): Promise<TransactionsListResult> {
    const { flags } = await this.parse(TransactionsList);
    const transactions = await this.withAdmin(flags, (admin) =>
      admin.listTransactions({
        states: flags.state,
        producerIds: flags['producer-id'],
        minDurationMs: flags['min-duration'],
      }),
    );
    this.print(renderTransactionList(transactions));
    return { transactions };
  }
}
