// The final summary of a bench run, as label/value rows.

import { Box, Text } from 'ink';

export interface SummaryProps {
  title: string;
  rows: [string, string][];
}

export function Summary({ title, rows }: SummaryProps) {
  const width = Math.max(...rows.map(([k]) => k.length)) + 2;
  return (
    <Box flexDirection="column" paddingX={1}>
      <Text bold color="green">
        {title}
      </Text>
      {rows.map(([k, v]) => (
        <Text key={k}>
          {k.padEnd(width)}
          <Text bold>{v}</Text>
        </Text>
      ))}
    </Box>
  );
}
