import { expect, test } from '@playwright/test';
import { openApp, selectModel, setTrain, train, waitDone } from './app';

test('"Train beyond the browser" gives the experiment JSON and the torchrun and parity command lines', async ({
  page,
}) => {
  await openApp(page);
  await page.getByTestId('dataset-tiny-two-domains').click();
  await selectModel(page, 'mmoe');
  await setTrain(page, { batchSize: 64, maxSteps: 3, evalEvery: 0 });

  // Before any run: the form's experiment, the one the Experiment JSON panel holds.
  await page.getByTestId('train-beyond').click();
  await page.getByTestId('experiment-json-toggle').click();
  const form = JSON.parse(await page.getByTestId('experiment-json').inputValue());
  const beyond = JSON.parse(await page.getByTestId('beyond-json').inputValue());
  expect(beyond).toEqual(form);
  expect(beyond.model.id).toBe('mmoe');
  const commands = page.getByTestId('beyond-commands');
  await expect(commands).toContainText(
    'PYTHONPATH=python torchrun --nproc_per_node 4 -m moe_playground.train experiment.json --out run.zip',
  );
  await expect(commands).toContainText('--nnodes 2 --node_rank 0 --master_addr HOST');
  await expect(commands).toContainText(
    'python3 -m moe_playground.parity page.zip --data public/datasets/tiny-two-domains.csv.gz',
  );

  // After a run: exactly the experiment that run trained (its seed and settings), ready for torchrun.
  await train(page);
  await waitDone(page, 'max-steps');
  await setTrain(page, { maxSteps: 7 });
  const ran = JSON.parse(await page.getByTestId('beyond-json').inputValue());
  expect(ran.train.maxSteps).toBe(3);
  expect(ran.model).toEqual({ id: 'mmoe', options: form.model.options });
  expect(ran.data.dataset).toBe('tiny-two-domains');
  const download = page.waitForEvent('download');
  await page.getByTestId('beyond-download').click();
  expect((await download).suggestedFilename()).toBe('experiment.json');

  await page.getByTestId('train-beyond').click();
  await expect(page.getByTestId('beyond-panel')).toHaveCount(0);
});
