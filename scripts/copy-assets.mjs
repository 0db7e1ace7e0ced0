// After `tsc`: the desk's templates and stylesheet go beside its compiled code in dist/, where
// desk-routes.js looks for them (next to itself).
import { cpSync } from 'node:fs';

for (const dir of ['desk/views', 'desk/assets']) cpSync(`src/${dir}`, `dist/${dir}`, { recursive: true });
