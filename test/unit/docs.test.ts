// Every relative link in the Markdown files (README.md, docs/, examples/, bench/…) points at a file
// that exists and, with a #fragment, at a heading that file has, as GitHub spells its anchors.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';

// dist/test/unit/ → the project root.
const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const SKIPPED_DIRECTORIES = new Set(['node_modules', 'dist', '.git']);

function markdownFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    if (entry.name.startsWith('.') || SKIPPED_DIRECTORIES.has(entry.name)) return [];
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return markdownFiles(path);
    return entry.name.endsWith('.md') ? [path] : [];
  });
}

/** The lines outside fenced code blocks. */
function prose(text: string): string[] {
  let fenced = false;
  return text.split('\n').filter((line) => {
    if (/^\s*```/.test(line)) {
      fenced = !fenced;
      return false;
    }
    return !fenced;
  });
}

/** GitHub's anchor for a heading: lower case, punctuation dropped, each space a hyphen. */
function anchorOf(heading: string): string {
  return heading
    .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replaceAll('`', '')
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '')
    .replaceAll(' ', '-');
}

const anchorCache = new Map<string, Set<string>>();

function anchorsOf(file: string): Set<string> {
  let anchors = anchorCache.get(file);
  if (!anchors) {
    anchors = new Set();
    const seen = new Map<string, number>();
    for (const line of prose(readFileSync(file, 'utf8'))) {
      const heading = /^#{1,6} (.+?)\s*#*\s*$/.exec(line);
      if (!heading) continue;
      const base = anchorOf(heading[1]!);
      const count = seen.get(base) ?? 0;
      seen.set(base, count + 1);
      anchors.add(count === 0 ? base : `${base}-${count}`);
    }
    anchorCache.set(file, anchors);
  }
  return anchors;
}

/** The targets of inline links `[text](target)`, code spans left out. */
function linkTargets(text: string): string[] {
  const targets: string[] = [];
  for (const line of prose(text)) {
    const withoutCode = line.replace(/(`+)[^`][\s\S]*?\1/g, '');
    for (const match of withoutCode.matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)) targets.push(match[1]!);
  }
  return targets;
}

function problemsIn(file: string): string[] {
  const problems: string[] = [];
  for (const target of linkTargets(readFileSync(file, 'utf8'))) {
    if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue; // https:, mailto:…
    const hashAt = target.indexOf('#');
    const path = hashAt >= 0 ? target.slice(0, hashAt) : target;
    const fragment = hashAt >= 0 ? decodeURIComponent(target.slice(hashAt + 1)) : undefined;
    const linked = path === '' ? file : resolve(dirname(file), decodeURIComponent(path));
    if (!existsSync(linked)) {
      problems.push(`${target}: no file ${relative(root, linked)}`);
      continue;
    }
    if (fragment !== undefined && !anchorsOf(linked).has(fragment)) {
      problems.push(`${target}: ${relative(root, linked)} has no heading with anchor #${fragment}`);
    }
  }
  return problems;
}

describe('links in the Markdown files', () => {
  const files = markdownFiles(root);

  test('README.md and the docs/ pages are among the files checked', () => {
    const names = files.map((file) => relative(root, file));
    assert.ok(names.includes('README.md'));
    assert.ok(names.filter((name) => name.startsWith('docs/')).length > 0);
  });

  for (const file of files) {
    test(`every relative link and anchor in ${relative(root, file)} resolves`, () => {
      assert.deepEqual(problemsIn(file), []);
    });
  }

  test('anchors are spelled as GitHub spells them', () => {
    assert.equal(
      anchorOf('Regular expressions (`regex.ts`, `regex-translate.ts`, `regex-classes.ts`)'),
      'regular-expressions-regexts-regex-translatets-regex-classests',
    );
    assert.equal(anchorOf('Token exchange (RFC 8693)'), 'token-exchange-rfc-8693');
    assert.equal(anchorOf('Types and coercions (JSR-245 §1.18)'), 'types-and-coercions-jsr-245-118');
    assert.equal(
      anchorOf('Differences from PingGateway, on purpose'),
      'differences-from-pinggateway-on-purpose',
    );
  });
});
