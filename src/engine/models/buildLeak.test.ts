import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildSmall } from '../testing/models';
import { useCpu } from '../testing/tf';
import { isMome } from './mome';
import { registeredModels } from './registry';

/** A build must hold exactly its variables: anything else it leaves counted stays until the page is closed. */
describe('model builds', () => {
  beforeAll(useCpu);

  it('leave no tensor behind: every preset of every model built twice holds only its variables, and nothing once disposed', () => {
    for (const info of registeredModels()) {
      for (const preset of info.presets) {
        const where = `${info.id} · ${preset.name}`;
        const before = tf.memory().numTensors;
        const held: number[] = [];
        for (let i = 0; i < 2; i++) {
          const model = buildSmall(info.id, preset.options);
          // MoME's phase switch creates its phase-B variables later, inside the build's own code.
          if (isMome(model)) model.switchPhase();
          held.push(tf.memory().numTensors - before);
          expect(held[i], where).toBe(model.params.entries().length);
          model.params.dispose();
          expect(tf.memory().numTensors, `${where}: after dispose`).toBe(before);
        }
        expect(held[1], where).toBe(held[0]);
      }
    }
  });
});
