// A KafkaJS consumer-group member in its own process, so a test can kill it without a LeaveGroup
// (a crash). Usage: node kafkajs-group-member.mjs <bootstrap> <groupId> <topic> <sessionTimeoutMs>
// Prints one JSON line per assignment: {"assigned": {"topic": [partitions]}}.
import { Kafka, logLevel } from 'kafkajs';

const [bootstrap, groupId, topic, sessionTimeout] = process.argv.slice(2);
const kafka = new Kafka({ clientId: 'crashing-member', brokers: [bootstrap], logLevel: logLevel.NOTHING });
const consumer = kafka.consumer({
  groupId,
  sessionTimeout: Number(sessionTimeout),
  heartbeatInterval: 200,
  rebalanceTimeout: 5000,
  maxWaitTimeInMs: 100,
});
consumer.on(consumer.events.GROUP_JOIN, (e) => {
  process.stdout.write(JSON.stringify({ assigned: e.payload.memberAssignment }) + '\n');
});
await consumer.connect();
await consumer.subscribe({ topic, fromBeginning: true });
await consumer.run({ eachMessage: async () => {} });
