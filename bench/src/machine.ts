/**
 * What the numbers were measured on: they mean little without it.
 *
 * @module
 */
import { cpus, loadavg, release, totalmem } from 'node:os'

/** The machine and runtime, and how busy the machine was. */
export interface MachineInfo {
  readonly node: string
  readonly v8: string
  readonly cpuModel: string
  readonly cores: number
  readonly memoryGiB: number
  readonly os: string
  readonly loadAverage: readonly number[]
}

/**
 * Describes this machine now.
 *
 * @example
 * ```ts
 * describeMachine().cores // 2
 * ```
 */
export function describeMachine(): MachineInfo {
  const cpu = cpus()
  return {
    node: process.version,
    v8: process.versions.v8,
    cpuModel: cpu[0]?.model.trim() ?? 'unknown',
    cores: cpu.length,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    os: `${process.platform} ${release()}`,
    loadAverage: loadavg().map((load) => Math.round(load * 100) / 100),
  }
}
