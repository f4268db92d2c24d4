import type { ClusterDescription } from '../../src/client/admin/index.js';
import { ClusterCommand } from '../../src/cli/base.js';
import { renderCluster } from '../../src/cli/render/cluster.js';

export default class ClusterDescribe extends ClusterCommand {
  static override summary = 'Describe the cluster: its id, controller and brokers.';
  static override examples = [
    '<%= config.bin %> cluster describe',
    '<%= config.bin %> cluster describe --bootstrap-server kafka1:9092 --json',
  ];

  async run(): Promise<ClusterDescription> {
    const { flags } = await this.parse(ClusterDescribe);
    const cluster = await this.withAdmin(flags, (admin) => admin.describeCluster());
    this.print(renderCluster(cluster));
    return cluster;
  }
}
