#!/usr/bin/env node
// The `parley` executable of `npm start`: the CLI over the repository's public/ and package.json.
import { diskRuntime } from './assets.js'
import { runProcess } from './run.js'

runProcess(() => diskRuntime())
