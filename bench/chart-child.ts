/** Runs the chart measurements in this (fresh) process, answering over IPC: {renders} -> ChartBench. */
import { measureChart } from './chart.js';

process.on('message', (message: { renders: number } | { stop: true }) => {
  if ('stop' in message) process.exit(0);
  void measureChart(message.renders).then((result) => process.send?.(result));
});
process.send?.({ ready: true });
