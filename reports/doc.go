// Package reports turns analytics results into what coordinators and funders read: Excel
// workbooks comparing countries and years (excelize) and chart dashboards (go-echarts), with
// their web handlers. It depends on analytics, never on ClickHouse.
package reports
