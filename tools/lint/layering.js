// Local ESLint rule: the import direction between layers (docs/ARCHITECTURE.md). Never relax it;
// a file that must break it goes on an explicit, commented burn-down list instead.
import path from 'node:path';

const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');

/** Each zone: folder (relative to the repository), folders it may import, and whether Node may be used. */
export const ZONES = [
  { from: 'src/lib', allow: ['src/lib'], node: false },
  { from: 'src/arch', allow: ['src/lib', 'src/arch'], node: false },
  { from: 'src/platform', allow: ['src/lib', 'src/arch', 'src/platform', 'src/host/common'], node: false },
  { from: 'src/linux_user', allow: ['src/lib', 'src/arch', 'src/linux_user', 'src/host'], node: true },
  { from: 'src/images', allow: ['src/lib', 'src/platform', 'src/images', 'src/host'], node: true },
  { from: 'src/host/common', allow: ['src/lib', 'src/host/common'], node: false },
  { from: 'src/host/node', allow: ['src/lib', 'src/host'], node: true },
  { from: 'src/abi', allow: ['src/lib', 'src/abi'], node: false },
  { from: 'src/hv', allow: ['src/lib', 'src/abi', 'src/arch', 'src/platform', 'src/host/common', 'src/hv'], node: false },
  { from: 'src/xenstore', allow: ['src/lib', 'src/abi', 'src/xenstore', 'src/host/common'], node: false },
  { from: 'src/backends', allow: ['src/lib', 'src/abi', 'src/backends', 'src/xenstore', 'src/host/common'], node: false },
  { from: 'src/toolstack', allow: ['src/lib', 'src/abi', 'src/hv', 'src/arch', 'src/platform', 'src/xenstore', 'src/backends', 'src/host/common', 'src/toolstack'], node: false },
  { from: 'src/daemon', allow: ['src/lib', 'src/abi', 'src/toolstack', 'src/hv', 'src/host', 'src/daemon'], node: true },
  { from: 'src/main', allow: ['src'], node: true },
  { from: 'src/cli', allow: ['src'], node: true },
];

function zoneOf(file) {
  const rel = path.relative(ROOT, file);
  return ZONES.find((z) => rel === z.from || rel.startsWith(z.from + path.sep));
}

export const layering = {
  meta: {
    type: 'problem',
    docs: { description: 'Enforce the import direction between layers' },
    schema: [],
    messages: {
      layer: 'Layer "{{from}}" must not import "{{target}}" (allowed: {{allowed}})',
      node: 'Layer "{{from}}" must not use Node ("{{target}}"): host services come through interfaces',
    },
  },
  create(context) {
    const file = context.filename;
    const zone = zoneOf(file);
    if (zone === undefined || /\.test\.ts$/.test(file)) return {};
    function check(node, spec) {
      if (typeof spec !== 'string') return;
      if (!spec.startsWith('.')) {
        if (!zone.node && (spec.startsWith('node:') || /^(fs|path|os|child_process|process|buffer|worker_threads)$/.test(spec))) {
          context.report({ node, messageId: 'node', data: { from: zone.from, target: spec } });
        }
        return;
      }
      const target = path.relative(ROOT, path.resolve(path.dirname(file), spec));
      const ok = zone.allow.some((a) => target === a || target.startsWith(a + path.sep));
      if (!ok) {
        context.report({ node, messageId: 'layer', data: { from: zone.from, target, allowed: zone.allow.join(', ') } });
      }
    }
    return {
      ImportDeclaration: (n) => check(n, n.source.value),
      ExportNamedDeclaration: (n) => n.source && check(n, n.source.value),
      ExportAllDeclaration: (n) => check(n, n.source.value),
      ImportExpression: (n) => n.source.type === 'Literal' && check(n, n.source.value),
    };
  },
};
