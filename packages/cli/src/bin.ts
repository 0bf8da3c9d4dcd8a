#!/usr/bin/env node
/**
 * The `crm-webhooks` executable.
 *
 * @module
 */
import { createProcessIo } from './cli-io.js'
import { runCli } from './run-cli.js'

void runCli(process.argv.slice(2), createProcessIo()).then((code) => {
  process.exitCode = code
})
