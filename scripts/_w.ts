import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { readFileSync } from 'node:fs';
import { activateBackend } from '../src/engine/kernels/backend';
import { loadDataset } from '../src/engine/data/load';
import { dataShapeOf } from '../src/engine/data/types';
import { buildModel } from '../src/engine/models/registry';
import { Trainer } from '../src/engine/train/trainer';
import { Rng } from '../src/engine/util/rng';
tf.env().set('IS_TEST', false);
const formulation = (await activateBackend(process.argv[2] ?? 'wasm'))!;
const idx = JSON.parse(readFileSync('public/datasets/index.json','utf8'));
const e = idx.find((d: {id:string}) => d.id === 'tiny-two-domains');
const ds = await loadDataset(new Uint8Array(readFileSync('public/datasets/' + e.file)), e.mapping);
console.log('loaded', ds.numRows);
const { model } = buildModel('mmoe', {}, { shape: dataShapeOf(ds.schema), embeddingDim: 8, rng: new Rng(1), formulation });
const tr = new Trainer({ model, dataset: ds, config: { epochs: 1, batchSize: 64, learningRate: 0.01, seed: 1, embeddingDim: 8, patience: 0, evalEvery: 0, liveEvalRows: 100, maxSteps: 5 }, onEvent: (ev) => console.log(ev.type, ev.type === 'progress' ? [ev.loss, ev.msPerStep, tf.memory().numTensors, (tf.memory() as any).numDataBuffers] : '') });
process.on('exit', () => console.log('exit', tf.memory().numTensors));
try { await tr.run(); } catch (err) { console.log('ERR', err); }
