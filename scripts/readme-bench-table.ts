// Copies bench/results/latest.md's table (from its "Measured" line to the end
// of the table) into the README's Performance section, so the two never differ.
//   bun scripts/readme-bench-table.ts
import { readFileSync, writeFileSync } from 'node:fs';

const results = readFileSync('bench/results/latest.md', 'utf8');
const table = results.slice(0, results.indexOf('\nNotes (')).trimEnd();
const readme = readFileSync('README.md', 'utf8');
const start = readme.indexOf('\nMeasured ', readme.indexOf('## Performance'));
const end = readme.indexOf('\nThe [1]', start);
if (start < 0 || end < 0) throw new Error('README: the Performance table (from "Measured" to "The [1]") was not found');
writeFileSync('README.md', `${readme.slice(0, start + 1)}${table}\n${readme.slice(end)}`);
console.log('README: Performance table updated from bench/results/latest.md');
