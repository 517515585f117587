import { describe, expect, it } from 'vitest';
import { parseExperiment } from '../../engine/experiment';
import { DEFAULT_TRAIN } from '../../engine/train/config';
import { memoryView } from './memoryEstimate';
import { newRun, type RunState } from './runState';

const DATA = { dataset: 'census', domain: 'd', tasks: [{ name: 't', column: 't', rule: '== 1' }] };
const EXPERIMENT = { data: DATA, model: { id: 'mmoe', options: {} }, train: DEFAULT_TRAIN };

/** A run of the experiment whose trainer reported the census shape. */
function censusRun(): RunState {
  const run = newRun({
    id: 'r1',
    name: 'mmoe',
    // Runs hold the experiment as parsed, keys in their canonical order.
    experiment: parseExperiment(EXPERIMENT),
    backendChoice: 'wasm',
    datasetName: 'census',
    oracle: null,
  });
  return {
    ...run,
    started: {
      type: 'started',
      params: 287_202,
      stepsPerEpoch: 1,
      totalSteps: 1,
      shape: {
        numCat: 32,
        numNum: 7,
        vocabSize: 526,
        numDomains: 2,
        numTasks: 2,
        domainNames: ['f', 'm'],
        taskNames: ['t', 'u'],
      },
      trainRows: 1,
      validRows: 1,
      testRows: 1,
    },
  };
}

describe('the memory line of the training form', () => {
  it('waits for a run of the same mapping to give the data shape', () => {
    expect(memoryView(EXPERIMENT, [], 'wasm')).toEqual({ known: false });
    const otherData = { ...EXPERIMENT, data: { ...DATA, dataset: 'other' } };
    expect(memoryView(otherData, [censusRun()], 'wasm')).toEqual({ known: false });
  });

  it('estimates the experiment on that shape and says when the backend cannot hold it', () => {
    const fits = memoryView(EXPERIMENT, [censusRun()], 'wasm');
    // The census MMoE's 287,202 of the reference, plus the domain input field (on by default): its 2 × 16 table
    // and 16 more input values into the 8 experts of 64 and the 2 gates of 8.
    expect(fits).toMatchObject({
      known: true,
      problem: null,
      estimate: { params: 287_202 + 2 * 16 + 16 * (8 * 64 + 2 * 8) },
    });
    const huge = { ...EXPERIMENT, train: { ...DEFAULT_TRAIN, batchSize: 1 << 20 } };
    const over = memoryView(huge, [censusRun()], 'wasm');
    expect(over?.known && over.problem).toMatch(/wasm backend can hold .*: lower train\.batchSize/);
  });

  it('is silent while the experiment is not valid', () => {
    expect(memoryView({ ...EXPERIMENT, train: { batchSize: 'x' } }, [censusRun()], 'wasm')).toBeNull();
  });
});
