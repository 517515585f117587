/**
 * Vulkan on the CPU for Dawn (WebGPU in Node) where no GPU driver exists: SwiftShader and its Vulkan loader, as
 * Debian's chromium package ships them. The loader must be on LD_LIBRARY_PATH when the process starts, so the
 * environment is set for a child process (a re-started bench, the forked test workers).
 */
import { existsSync } from 'node:fs';
import path from 'node:path';

export const CHROMIUM_LIB = '/usr/lib/chromium';
export const SWIFTSHADER_ICD = path.join(CHROMIUM_LIB, 'vk_swiftshader_icd.json');

/** The environment that points Dawn at chromium's SwiftShader, or null where chromium's copy is not installed. */
export function swiftShaderEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv | null {
  if (!existsSync(SWIFTSHADER_ICD)) return null;
  const libraryPath = [CHROMIUM_LIB, ...(env.LD_LIBRARY_PATH ?? '').split(':').filter(Boolean)].join(':');
  return { ...env, VK_ICD_FILENAMES: SWIFTSHADER_ICD, LD_LIBRARY_PATH: libraryPath };
}

/** True when this process was started with SwiftShader's environment (see swiftShaderEnv). */
export function usesSwiftShader(env: NodeJS.ProcessEnv): boolean {
  return (
    env.VK_ICD_FILENAMES === SWIFTSHADER_ICD && (env.LD_LIBRARY_PATH ?? '').split(':').includes(CHROMIUM_LIB)
  );
}
