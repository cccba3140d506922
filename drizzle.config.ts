import { defineConfig } from 'drizzle-kit';

export default defineConfig({
  dialect: 'postgresql',
  schema: ['./src/db/schema.ts', './src/db/schema-org.ts', './src/db/schema-cluster.ts'],
  out: './migrations',
});
