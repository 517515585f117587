import { defineConfig } from 'vitest/config';
import { swiftShaderEnv } from './scripts/bench/swiftShader';

// The WebGPU kernel tests run on Dawn; without a GPU driver, on chromium's SwiftShader (the forked workers inherit
// this environment, and the Vulkan loader is found only through LD_LIBRARY_PATH set before a process starts).
Object.assign(process.env, swiftShaderEnv(process.env) ?? {});

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts'],
    environment: 'node',
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // tfjs keeps global backend state: one file per worker process keeps tests independent.
    pool: 'forks',
  },
});
