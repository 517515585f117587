import { beforeAll, describe, expect, it } from 'vitest';
import type { DataShape } from '../../data/types';
import { PER_MEMBER, SMALL_SHAPE, testContext } from '../../testing/models';
import { useCpu } from '../../testing/tf';
import { resolveOptions } from '../catalog';
import { isMome } from '../mome';
import { buildModel, registeredModels } from '../registry';

const ONE_DOMAIN: DataShape = {
  ...SMALL_SHAPE,
  numDomains: 1,
  domainNames: ['all'],
  numNum: 0,
  vocabSize: 41,
};
const THREE_TASKS: DataShape = {
  ...SMALL_SHAPE,
  numCat: 5,
  numNum: 3,
  numTasks: 3,
  taskNames: ['a', 'b', 'c'],
  vocabSize: 57,
};

const sorted = (xs: number[]) => xs.slice().sort((a, b) => a - b);

/** What the budget knows without building a model must be what the model really holds, tensor by tensor. */
describe('model sizes from the catalog', () => {
  beforeAll(useCpu);

  it('list exactly the parameter tensors of every preset of every model, on several data shapes', () => {
    for (const shape of [SMALL_SHAPE, ONE_DOMAIN, THREE_TASKS]) {
      for (const domainInput of [false, true]) {
        for (const info of registeredModels()) {
          for (const preset of info.presets) {
            const where = `${info.id} · ${preset.name} · ${shape.numDomains} domains, ${shape.numTasks} tasks, domainInput ${domainInput}`;
            const { model } = buildModel(
              info.id,
              preset.options,
              testContext(shape, 4, 3, PER_MEMBER, { domainInput }),
            );
            if (isMome(model)) model.switchPhase();
            const built = model.params.entries().map(([, v]) => v.size);
            model.params.dispose();
            const size = info.size(resolveOptions(info.id, preset.options), {
              ...shape,
              embeddingDim: 4,
              domainInput,
            });
            expect(sorted(size.tensors), where).toEqual(sorted(built));
            expect(size.rowValues, where).toBeGreaterThan(0);
            expect(size.widestRow, where).toBeLessThanOrEqual(size.rowValues);
          }
        }
      }
    }
  });

  it('give the census reference parameter counts without building anything', () => {
    // Without the domain field, as the PyTorch reference counts are.
    const census = {
      numCat: 32,
      numNum: 7,
      vocabSize: 526,
      numDomains: 2,
      numTasks: 2,
      embeddingDim: 16,
      domainInput: false,
    };
    const params = (id: string, preset: string) => {
      const info = registeredModels().find((m) => m.id === id);
      const options = info?.presets.find((p) => p.name.startsWith(preset))?.options ?? {};
      return info?.size(resolveOptions(id, options), census).tensors.reduce((a, b) => a + b, 0);
    };
    // The dataset README's PyTorch reference counts (BENCHMARKS.md matches them built).
    expect(params('shared-bottom', 'census reference')).toBe(87_458);
    expect(params('mmoe', 'census reference')).toBe(287_202);
    expect(params('ple', 'census reference')).toBe(323_342);
  });
});
