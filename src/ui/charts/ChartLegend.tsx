/** A legend in plain HTML: recharts' own measures itself on every render, which costs a layout per update. */
export function ChartLegend({ items }: { items: { label: string; color: string; dashed?: boolean }[] }) {
  return (
    <div className="legend">
      {items.map((it) => (
        <span key={it.label}>
          <i className={it.dashed ? 'dashed' : undefined} style={{ color: it.color }} />
          {it.label}
        </span>
      ))}
    </div>
  );
}
