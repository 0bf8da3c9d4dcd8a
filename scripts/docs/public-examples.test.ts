/**
 * The house style's rule 12, kept true: every public export a user calls or reads (a function, a class, a
 * constant) carries an `@example` in its TSDoc, which typedoc shows on the API site. Types and interfaces are
 * left out: their members are documented one by one.
 */
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import ts from 'typescript'
import { describe, expect, it } from 'vitest'

const root = fileURLToPath(new URL('../../', import.meta.url))
const typedocConfig = JSON.parse(readFileSync(`${root}typedoc.json`, 'utf8')) as { entryPoints: string[] }

/** typedoc's entry points, its one `{a,b}` brace pattern expanded. */
const entryPoints = typedocConfig.entryPoints.flatMap((pattern) => {
  const braces = /\{([^}]+)\}/.exec(pattern)
  return braces ? braces[1]!.split(',').map((name) => pattern.replace(braces[0], name)) : [pattern]
})

function exportsWithoutExample(program: ts.Program, entryPoint: string): string[] {
  const checker = program.getTypeChecker()
  const source = program.getSourceFile(`${root}${entryPoint}`)
  if (!source) throw new Error(`${entryPoint} is not in the program`)
  const missing: string[] = []
  for (const exported of checker.getExportsOfModule(checker.getSymbolAtLocation(source)!)) {
    const symbol = exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported
    if (!(symbol.flags & (ts.SymbolFlags.Function | ts.SymbolFlags.Class | ts.SymbolFlags.Variable))) continue
    const declarations = symbol.getDeclarations() ?? []
    // A function's overloads: one documented signature is enough, as typedoc shows it for all of them.
    const documented = declarations.some((declaration) => ts.getJSDocTags(declaration).some((tag) => tag.tagName.text === 'example'))
    if (!documented) missing.push(exported.name)
  }
  return missing
}

describe('public exports', () => {
  const config = ts.getParsedCommandLineOfConfigFile(`${root}tsconfig.json`, {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => {} })!
  const program = ts.createProgram({ rootNames: entryPoints.map((entryPoint) => `${root}${entryPoint}`), options: config.options })

  it.each(entryPoints)('%s: every function, class and constant has an @example', (entryPoint) => {
    expect(exportsWithoutExample(program, entryPoint)).toEqual([])
  })
})
