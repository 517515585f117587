import type { ModelInfo as Info, OptionValue } from '../../../engine/models/catalog';
import { useStore } from '../../state/store';

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/**
 * What the catalog says about a model: its description and paper always, and on request its equations and the
 * places where it differs from the official code, each with a button restoring the published behaviour where an
 * option offers it.
 */
export function ModelInfo({ info }: { info: Info }) {
  const options = useStore((s) => s.experiment.model.options);
  const setOption = useStore((s) => s.setOption);
  const valueOf = (key: string): unknown => options[key] ?? info.options.find((o) => o.key === key)?.default;
  const restore = (option: string, value: OptionValue) => setOption(option, structuredClone(value));
  const n = info.deviations.length;

  return (
    <div className="model-info" data-testid="model-info">
      <p className="model-description">
        {info.description}{' '}
        <a href={info.paper.url} target="_blank" rel="noreferrer" title={info.paper.title}>
          {info.paper.venue}
        </a>
      </p>
      {/* Keyed by model: a new model opens collapsed. */}
      <details key={info.id} className="model-more">
        <summary data-testid="model-info-toggle">
          Equations, paper{n > 0 ? ` and ${n} difference${n === 1 ? '' : 's'} from the official code` : ''}
        </summary>
        <div className="model-more-body">
          <div className="equations" data-testid="model-equations">
            {info.equations.map((eq, i) => (
              <div key={i} className="equation">
                {eq}
              </div>
            ))}
          </div>
          <p className="paper">
            <a data-testid="model-paper" href={info.paper.url} target="_blank" rel="noreferrer">
              {info.paper.title}
            </a>
            , {info.paper.venue}
          </p>
          {n > 0 && (
            <>
              <h3>Where we differ from the official code</h3>
              <ul className="deviations" data-testid="model-deviations">
                {info.deviations.map((d) => {
                  const r = d.restore;
                  const inUse = r !== undefined && same(valueOf(r.option), r.value);
                  return (
                    <li key={d.text}>
                      {d.text}
                      {r && (
                        <div>
                          <button
                            type="button"
                            data-testid={`restore-${r.option}`}
                            disabled={inUse}
                            title={`sets ${r.option} = ${JSON.stringify(r.value)}`}
                            onClick={() => restore(r.option, r.value)}
                          >
                            {inUse ? 'Published behaviour in use' : 'Use published behaviour'}
                          </button>{' '}
                          <code className="muted">
                            {r.option} = {JSON.stringify(r.value)}
                          </code>
                        </div>
                      )}
                    </li>
                  );
                })}
              </ul>
            </>
          )}
        </div>
      </details>
    </div>
  );
}
