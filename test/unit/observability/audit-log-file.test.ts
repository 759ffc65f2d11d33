import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { pino } from 'pino';
import type { TollgateError } from '../../../src/errors/tollgate-error.js';
import { openAuditFile } from '../../../src/observability/audit-log-file.js';

test('the file <topic>.audit.json is made with its directory and appended to, one JSON object a line', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'tollgate-audit-file-'));
  try {
    const directory = join(dir, 'nested', 'audit');
    for (const n of [1, 2]) {
      const sink = await openAuditFile(directory, 'access', pino({ level: 'silent' }));
      sink.write({ n });
      await sink.close();
    }
    assert.equal(await readFile(join(directory, 'access.audit.json'), 'utf8'), '{"n":1}\n{"n":2}\n');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('a directory that cannot be made is TG_START_AUDIT_LOG, naming the file', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'tollgate-audit-file-'));
  try {
    await writeFile(join(dir, 'file'), '');
    await assert.rejects(
      openAuditFile(join(dir, 'file', 'audit'), 'access', pino({ level: 'silent' })),
      (error: TollgateError) =>
        error.code === 'TG_START_AUDIT_LOG' && error.message.includes('access.audit.json'),
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
