/**
 * What the device under a run can hold, and the faults it can raise mid-run: a lost WebGPU device, a WebGPU
 * error nobody captured (out of memory above all: tfjs does not check its allocations), a lost WebGL context.
 * Each fault becomes one message naming it; the trainer is stopped and what the run measured stays on the page.
 */
import * as tf from '@tensorflow/tfjs';
import type { DeviceLimits } from '../engine/budget';
import type { BackendName } from './protocol';

interface GpuDeviceLike extends EventTarget {
  lost: Promise<{ message?: string; reason?: string }>;
  limits: { maxBufferSize: number; maxStorageBufferBindingSize: number };
}

function gpuDevice(): GpuDeviceLike | null {
  return (tf.backend() as unknown as { device?: GpuDeviceLike }).device ?? null;
}

function webglCanvas(): EventTarget | null {
  const gl = (tf.backend() as unknown as { gpgpu?: { gl?: WebGLRenderingContext } }).gpgpu?.gl;
  return (gl?.canvas as EventTarget | undefined) ?? null;
}

/** The limits the budget checks a run against, as this worker's browser and device report them. */
export function deviceLimits(backend: BackendName): DeviceLimits {
  const gib = (navigator as Navigator & { deviceMemory?: number }).deviceMemory;
  const limits: DeviceLimits = gib ? { deviceMemoryBytes: gib * 2 ** 30 } : {};
  const device = backend === 'webgpu' ? gpuDevice() : null;
  if (device)
    limits.gpuBufferBytes = Math.min(device.limits.maxBufferSize, device.limits.maxStorageBufferBindingSize);
  if (backend === 'webgl') limits.webglMaxTextureSize = tf.env().getNumber('WEBGL_MAX_TEXTURE_SIZE');
  return limits;
}

/** The GPU device's fault once one happens (null: no GPU device is watched): what its errors really mean. */
let fault: Promise<string> | null = null;

/**
 * The device's fault, if it has one or reports one within `ms`: a lost device first fails the operation in
 * flight (a buffer read, with its own puzzling message) and only then resolves its `lost` promise.
 */
export function deviceFault(ms: number): Promise<string | null> {
  if (!fault) return Promise.resolve(null);
  return Promise.race([fault, new Promise<null>((resolve) => setTimeout(() => resolve(null), ms))]);
}

/**
 * Calls `onFault` once with a message when the active backend's device fails; set right after the backend
 * starts, so a fault while the data loads or the model is built is caught too.
 */
export function watchDevice(backend: BackendName, onFault: (message: string) => void): void {
  let reported = false;
  let resolveFault: (message: string) => void = () => {};
  if (backend === 'webgpu' || backend === 'webgl') fault = new Promise((resolve) => (resolveFault = resolve));
  const report = (message: string) => {
    if (reported) return;
    reported = true;
    resolveFault(message);
    onFault(message);
  };
  if (backend === 'webgpu') {
    const device = gpuDevice();
    if (!device) return;
    void device.lost.then((info) =>
      report(`the GPU device was lost (${info.message || info.reason || 'no reason given'})`),
    );
    device.addEventListener('uncapturederror', (e) => {
      const error = (e as Event & { error?: { message?: string; constructor: { name: string } } }).error;
      const detail = error?.message || 'no detail given';
      report(
        error?.constructor.name === 'GPUOutOfMemoryError'
          ? `the GPU ran out of memory (${detail}): lower train.batchSize or the model's size, or train on WASM`
          : `WebGPU reported an error (${detail})`,
      );
    });
  }
  if (backend === 'webgl') {
    webglCanvas()?.addEventListener('webglcontextlost', () =>
      report('the WebGL context was lost (the GPU was reset or the browser reclaimed it)'),
    );
  }
}
