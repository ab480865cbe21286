// The main script of dist/parley (a Node single executable application, built by scripts/package/):
// the same CLI as `npm start`, over what was built into the file.
import { runProcess } from '../run.js'
import { seaRuntime } from './runtime.js'

runProcess(seaRuntime)
