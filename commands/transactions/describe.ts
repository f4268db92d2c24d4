import { Args } from '@oclif/core';
import type { TransactionDescription } from '../../src/client/admin/index.js';
import { ClusterCommand } from '../../src/cli/base.js';
import { renderTransactionDescription } from '../../src/cli/render/transactions.js';

export default class TransactionsDescribe extends ClusterCommand {
  static override summary =
    'Describe a transactional id: state, producer id and epoch, timeout and partitions.';
  static override examples = [
    '<%= config.bin %> transactions describe payments-tx',
    '<%= config.bin %> transactions describe payments-tx --json',
  ];

  static override args = {
    'transactional-id': Args.string({ description: 'Transactional id.', required: true }),
  };

  async run(): Promise<TransactionDescription> {
    const { args, flags } = await this.parse(TransactionsDescribe);
    const txn = await this.withAdmin(flags, (admin) => admin.describeTransaction(args['transactional-id']));
    this.print(renderTransactionDescription(txn));
    return txn;
  }
}
