import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError } from './config_error.js';
import { parseXlCfg, type XlCfg, type XlCfgValue } from './xl_cfg_parse.js';

const parse = (text: string, overrides?: string[]): XlCfg => parseXlCfg(text, { source: 'domU.cfg', ...(overrides ? { overrides } : {}) });

/** Settings as plain data: atoms as strings, lists as arrays. */
function plain(cfg: XlCfg): Record<string, unknown> {
  const conv = (v: XlCfgValue): unknown => (v.kind === 'atom' ? v.text : v.items.map(conv));
  return Object.fromEntries([...cfg.settings].map(([k, s]) => [k, conv(s.value)]));
}

function rejects(text: string, message: string, overrides?: string[]): void {
  assert.throws(() => parse(text, overrides), (e: unknown) => {
    assert.ok(e instanceof ConfigError);
    assert.equal(e.code, 'CONFIG');
    assert.equal(e.exitStatus, 1);
    assert.equal(e.message, message);
    return true;
  });
}

test('parseXlCfg() reads the two forms xl.cfg(5) shows: newline- and semicolon-separated', () => {
  const expected = { name: 'h0', type: 'hvm' };
  assert.deepEqual(plain(parse('name="h0"\ntype="hvm"\n')), expected);
  assert.deepEqual(plain(parse('name="h0"; type="hvm"')), expected);
});

test('parseXlCfg() keeps number tokens as text (hex, octal, decimal alike) and accepts a last line without newline', () => {
  assert.deepEqual(plain(parse('memory = 0x100\nmaxmem=0400\nvcpus = 2')), { memory: '0x100', maxmem: '0400', vcpus: '2' });
});

test('parseXlCfg() skips comments, blank lines, tabs and empty statements', () => {
  const cfg = parse('# header\n\n\tname = "a" # trailing comment\n;;\n  memory=1 ;\n');
  assert.deepEqual(plain(cfg), { name: 'a', memory: '1' });
  assert.equal(cfg.settings.get('memory')!.line, 5);
});

test('parseXlCfg() reads single- and double-quoted strings with libxlu escapes', () => {
  const cfg = parse(`a = 'it\\'s "x"'\nb = "tab\\there\\\\ \\"q\\" \\a\\b\\f\\n\\r\\v"\nc = 'caf\u00e9 # not a comment'\n`);
  assert.deepEqual(plain(cfg), { a: 'it\'s "x"', b: 'tab\there\\ "q" \x07\b\f\n\r\v', c: 'caf\u00e9 # not a comment' });
});

test('parseXlCfg() reproduces libxlu dropping a \\0NN escape (strtoul reads the digits, nothing is stored)', () => {
  assert.deepEqual(plain(parse('a = "x\\012y"\n')), { a: 'xy' });
  rejects('a = "x\\01"\n', 'domU.cfg:1:5: numeric escape libxlu cannot read "\\\\0" in quoted string');
  rejects('a = "\\x41"\n', 'domU.cfg:1:5: numeric escape libxlu cannot read "\\\\x" in quoted string');
  rejects('a = "\\q"\n', 'domU.cfg:1:5: invalid escape "\\\\q" in quoted string');
});

test('parseXlCfg() reads lists: empty, trailing comma, newlines and comments inside, nested', () => {
  const cfg = parse(`disk = [ ]\nvif = [ 'a', 'b', ]\ncpus = [\n  "0",   # vcpu 0\n\n  "1"\n  ,\n]\nvnuma = [ ["pnode=0", "size=512"], [ ] ]\n`);
  assert.deepEqual(plain(cfg), { disk: [], vif: ['a', 'b'], cpus: ['0', '1'], vnuma: [['pnode=0', 'size=512'], []] });
});

test('parseXlCfg() lets the last assignment win and += append to strings and lists', () => {
  const cfg = parse(`memory = 128\nmemory = 256\nextra = "a"\nextra += " b"\ndisk = ['x']\ndisk += ['y', 'z']\nroot += "r"\n`);
  assert.deepEqual(plain(cfg), { memory: '256', extra: 'a b', disk: ['x', 'y', 'z'], root: 'r' });
  assert.equal(cfg.settings.get('extra')!.op, '+=');
  assert.equal(cfg.settings.get('memory')!.line, 2);
  rejects(`disk = ['x']\ndisk += "y"\n`, 'domU.cfg:2:9: "disk": cannot add a list to a string or a string to a list with "+="');
});

test('parseXlCfg() appends command-line overrides after the file, as xl create does', () => {
  const cfg = parse('name = "a"\nmemory = 128', ['memory=512', 'name="x"', 'extra+="quiet"']);
  assert.deepEqual(plain(cfg), { name: 'x', memory: '512', extra: 'quiet' });
  // The file's last line lacks a newline; xl inserts one, then one line per override.
  assert.equal(cfg.settings.get('name')!.line, 4);
  rejects('name = "a"\n', 'domU.cfg:3:6: "name": syntax error: expected a string, a number or "[", got "x"', ['name=x']);
});

test('parseXlCfg() refuses what libxlu_cfg_l.l does not lex', () => {
  rejects('Name = "a"\n', 'domU.cfg:1:1: lexical error near "Name"');
  rejects('memory = -1\n', 'domU.cfg:1:10: lexical error near "-1" (xl no longer accepts Python in configuration files)');
  rejects('memory = 0x1F\n', 'domU.cfg:1:13: lexical error near "F"');
  rejects('name = "a\nb"\n', 'domU.cfg:1:8: lexical error near "\\"a"');
  rejects('name = "a"\r\n', 'domU.cfg:1:11: lexical error near carriage return (DOS line ending)');
  rejects('name = "a"\n# no newline at end', 'domU.cfg:2:1: lexical error near "#"');
});

test('parseXlCfg() refuses what libxlu_cfg_y.y does not parse, naming line, column and key', () => {
  rejects('memory = lots\n', 'domU.cfg:1:10: "memory": syntax error: expected a string, a number or "[", got "lots"');
  rejects('memory 5\n', 'domU.cfg:1:8: "memory": syntax error: expected "=" or "+=", got "5"');
  rejects('memory = 5 6\n', 'domU.cfg:1:12: "memory": syntax error: expected end of line or ";", got "6"');
  rejects('= 5\n', 'domU.cfg:1:1: syntax error: expected a setting name, got "="');
  rejects('disk = [ , ]\n', 'domU.cfg:1:10: "disk": syntax error: expected a string, a number or "[", got ","');
  rejects("disk = [ 'a' 'b' ]\n", 'domU.cfg:1:14: "disk": syntax error: expected "," or "]", got string "b"');
  rejects("disk = [ 'a',\n", 'domU.cfg:2:1: "disk": syntax error: expected a string, a number or "[", got end of file');
  rejects('name =\n"a"\n', 'domU.cfg:1:7: "name": syntax error: expected a string, a number or "[", got end of line');
  rejects(`a = ${'['.repeat(1001)}${']'.repeat(1001)}\n`, 'domU.cfg:1:1005: "a": lists nested too deeply');
});
