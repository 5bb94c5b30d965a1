import { useEffect, useRef } from "react";
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";
import type { LiveSeries } from "./liveSeries.js";

export interface LiveChartProps {
  readonly series: LiveSeries;
  readonly label: string;
  readonly color: string;
}

/**
 * A uPlot line chart fed straight from a `LiveSeries`: points arrive many times a second and
 * the canvas is redrawn once per frame, with no React render per point.
 */
export function LiveChart({ series, label, color }: LiveChartProps) {
  const host = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const element = host.current;
    if (element === null) return;
    const chart = new uPlot(
      {
        width: element.clientWidth || 300,
        height: 140,
        legend: { show: false },
        cursor: { show: false },
        scales: { x: { time: true } },
        axes: [
          { stroke: "currentColor", grid: { stroke: "rgba(128,128,128,.15)" }, size: 30 },
          // The unit is in the card's title: tick labels stay short enough to fit.
          { stroke: "currentColor", grid: { stroke: "rgba(128,128,128,.15)" }, size: 56 },
        ],
        series: [{}, { label, stroke: color, width: 2, fill: `${color}22` }],
      },
      series.data,
      element,
    );
    const stopUpdates = series.subscribe(() => chart.setData(series.data));
    const resize = new ResizeObserver(() =>
      chart.setSize({ width: element.clientWidth, height: 140 }),
    );
    resize.observe(element);
    return () => {
      stopUpdates();
      resize.disconnect();
      chart.destroy();
    };
  }, [series, label, color]);
  return (
    <div ref={host} className="chart" role="img" aria-label={`${label} over the last minute`} />
  );
}
