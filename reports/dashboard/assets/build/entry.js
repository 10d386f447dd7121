// The ECharts build of palabre's dashboards: only the charts and components they use.
// build.sh bundles this file into ../echarts.min.js, an IIFE that sets window.echarts.
import * as echarts from 'echarts/core';
import { BarChart, LineChart, ScatterChart, HeatmapChart, CustomChart } from 'echarts/charts';
import {
  GridComponent,
  TooltipComponent,
  LegendComponent,
  TitleComponent,
  VisualMapComponent,
  AriaComponent,
  MarkLineComponent,
  DatasetComponent,
} from 'echarts/components';
import { CanvasRenderer } from 'echarts/renderers';
import langFR from 'echarts/i18n/langFR-obj.js';
import langES from 'echarts/i18n/langES-obj.js';

echarts.use([
  BarChart,
  LineChart,
  ScatterChart,
  HeatmapChart,
  CustomChart,
  GridComponent,
  TooltipComponent,
  LegendComponent,
  TitleComponent,
  VisualMapComponent,
  AriaComponent,
  MarkLineComponent,
  DatasetComponent,
  CanvasRenderer,
]);
// EN is built in; the dashboards also speak French and Spanish.
echarts.registerLocale('FR', langFR);
echarts.registerLocale('ES', langES);

export * from 'echarts/core';
