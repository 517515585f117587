import { describe, expect, it } from 'vitest';
import type { DataMapping } from '../engine/data/types';
import { headerOf, mappingForUpload, type UploadedFile } from './upload';

const file = (header: string[]): UploadedFile => ({ name: 'mine.csv', bytes: 10, text: '', header });

describe('uploaded CSV', () => {
  it('reads the header, quotes, BOM and CRLF included', () => {
    expect(headerOf('\uFEFFdomain,"a, b","say ""hi""", c \r\n1,2,3,4')).toEqual([
      'domain',
      'a, b',
      'say "hi"',
      'c',
    ]);
  });

  it('finds the delimiter as the worker will: a tab-separated header is several columns, not one', () => {
    expect(headerOf('domain\tclick\tn1\napp\t1\t0.5\nweb\t0\t1.5\n')).toEqual(['domain', 'click', 'n1']);
  });

  const current: DataMapping = {
    dataset: 'tiny',
    domain: 'domain',
    tasks: [{ name: 'click', column: 'click', rule: '== 1' }],
    numeric: ['n1'],
    split: 'split',
  };

  it('keeps the mapping when the file has its columns, naming the file instead of the dataset', () => {
    expect(mappingForUpload(file(['domain', 'click', 'n1', 'split', 'extra']), current)).toEqual({
      path: 'mine.csv',
      domain: 'domain',
      tasks: [{ name: 'click', column: 'click', rule: '== 1' }],
      numeric: ['n1'],
      split: 'split',
    });
  });

  it('starts a new mapping for other columns, with a domain column if one is named so', () => {
    expect(mappingForUpload(file(['user', 'Scenario', 'label']), current)).toEqual({
      path: 'mine.csv',
      domain: 'Scenario',
      tasks: [],
    });
  });
});
