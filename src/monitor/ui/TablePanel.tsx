// One panel of the monitor: a title line (highlighted when the panel has the focus), column
// headings, and one page of fixed-width rows with the selected row marked.

import { Box, Text } from 'ink';
import type { ReactNode } from 'react';
import { cell } from '../format.js';
import { fitColumns, type Column } from './layout.js';
import { pageOf } from '../view.js';

export interface TablePanelProps<T> {
  title: string;
  /** Shown after the title: sort key, counts, what is missing. */
  info?: string;
  focused: boolean;
  columns: Column<T>[];
  items: T[];
  selected: number;
  /** Body lines (the page size); the panel always takes this many. */
  bodyRows: number;
  width: number;
  /** Shown instead of rows when there are none. */
  empty: string;
  /** A line under the rows (details of the selected row); takes one of the body lines. */
  footer?: (selected: T) => string | null;
  rowKey: (item: T) => string;
}

export function TablePanel<T>(props: TablePanelProps<T>) {
  const { title, info, focused, items, width, empty, rowKey } = props;
  const columns = fitColumns(props.columns, width);
  const selectedItem = items[pageOf(items.length, props.selected, 1).selected];
  const footer =
    focused && selectedItem !== undefined && props.bodyRows > 1 ? props.footer?.(selectedItem) : null;
  const bodyRows = footer ? props.bodyRows - 1 : props.bodyRows;
  const page = pageOf(items.length, props.selected, bodyRows);
  const range =
    items.length > bodyRows ? ` ${page.start + 1}-${page.end} of ${items.length}` : ` (${items.length})`;
  const heading = cell(` ${title}${range}${info ? ` · ${info}` : ''}`, width);
  const lines: ReactNode[] = [];
  if (items.length === 0) {
    lines.push(
      <Text key="empty" dimColor wrap="truncate">
        {cell(` ${empty}`, width)}
      </Text>,
    );
  }
  for (let i = page.start; i < page.end; i++) {
    const item = items[i]!;
    const marked = focused && i === page.selected;
    lines.push(
      <Text key={rowKey(item)} inverse={marked} wrap="truncate">
        {columns.map((c, j) => (
          <Text key={c.title} color={marked ? undefined : c.color?.(item)}>
            {(j > 0 ? ' ' : '') + cell(c.value(item), c.width, c.right)}
          </Text>
        ))}
      </Text>,
    );
  }
  while (lines.length < bodyRows) lines.push(<Text key={`pad-${lines.length}`}> </Text>);
  if (footer) {
    lines.push(
      <Text key="footer" color="cyan" wrap="truncate">
        {cell(footer, width)}
      </Text>,
    );
  }
  return (
    <Box flexDirection="column" width={width}>
      <Text bold inverse={focused} color={focused ? 'cyan' : undefined} wrap="truncate">
        {heading}
      </Text>
      <Text dimColor wrap="truncate">
        {columns.map((c, j) => (j > 0 ? ' ' : '') + cell(c.title, c.width, c.right)).join('')}
      </Text>
      {lines}
    </Box>
  );
}
