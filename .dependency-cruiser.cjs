// Folder boundaries of src/, checked in `npm test` (npm run check:deps). One rule per boundary
// issue 10 set: no file or folder cycles; domain imports only domain; ports only domain and ports;
// flows and channels never the store; nothing but the composition root (app) imports an adapter.
// Issue 16: channels call no service, and one adapter folder never imports another.
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-file-cycles',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'no-folder-cycles',
      comment: 'At every folder level (src/store and src/store/repositories alike), no folder reaches back to itself.',
      severity: 'error',
      scope: 'folder',
      from: {},
      to: { circular: true },
    },
    {
      name: 'domain-is-pure',
      severity: 'error',
      from: { path: '^src/domain/' },
      to: { path: '^src/', pathNot: '^src/domain/' },
    },
    {
      name: 'ports-know-only-the-domain',
      severity: 'error',
      from: { path: '^src/ports/' },
      to: { path: '^src/', pathNot: '^src/(domain|ports)/' },
    },
    {
      name: 'flows-and-channels-never-touch-the-store',
      severity: 'error',
      from: { path: '^src/(flows|channels)/' },
      to: { path: '^src/store/' },
    },
    {
      name: 'the-desk-is-an-adapter',
      comment: 'The web desk, like a channel, calls services and never the store, the queues or a chat adapter; only the composition root mounts it.',
      severity: 'error',
      from: { path: '^src/desk/' },
      to: { path: '^src/(store|queue|channels|app|cli)/' },
    },
    {
      name: 'only-the-composition-root-mounts-the-desk',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/(app|desk)/' },
      to: { path: '^src/desk/' },
    },
    {
      name: 'only-the-composition-root-imports-an-adapter',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/(app|channels)/' },
      to: { path: '^src/channels/' },
    },
    {
      name: 'channels-never-call-services',
      comment: 'An adapter gets what it needs through ports (Admission, CardStore, CardEdits…) from the composition root; it never calls a service itself.',
      severity: 'error',
      from: { path: '^src/channels/' },
      to: { path: '^src/services/' },
    },
    {
      name: 'adapters-keep-to-their-folder',
      comment: 'One platform never imports another: src/channels/X/ may use the shared files directly in src/channels/, never src/channels/Y/.',
      severity: 'error',
      from: { path: '^src/channels/([^/]+)/' },
      to: { path: '^src/channels/[^/]+/', pathNot: '^src/channels/$1/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js'] },
  },
};
