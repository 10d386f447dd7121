#!/bin/sh
# Rebuilds ../echarts.min.js, the custom ECharts build of the dashboards, from npm
# (versions pinned in package.json and package-lock.json). Needs Node.js and npm;
# the output is committed, so building or testing palabre never needs them.
set -eu
cd "$(dirname "$0")"
npm ci --no-audit --no-fund
out=../echarts.min.js
version=$(node -p "require('echarts/package.json').version")
{
	printf '/*! Apache ECharts %s, custom build for palabre (bar, line, scatter, heatmap, custom; grid, tooltip, legend, title, visualMap, aria, markLine, dataset; canvas; FR, ES).\n' "$version"
	printf ' * Copyright 2017-2026 The Apache Software Foundation. Licensed under the Apache License 2.0 (see ECHARTS-LICENSE next to this file).\n'
	printf ' * Includes ZRender, Copyright (c) 2017 Baidu Inc., BSD-3-Clause, and tslib, 0BSD (licences in ECHARTS-LICENSE). */\n'
	npx --no-install esbuild entry.js --bundle --minify --format=iife --global-name=echarts \
		--target=es2017 --legal-comments=none --log-level=warning \
		--define:process.env.NODE_ENV='"production"'
} > "$out.tmp"
mv "$out.tmp" "$out"
# The licence notices that travel with the build.
{
	cat node_modules/echarts/LICENSE
	printf '\n\n========================================================================\n'
	cat node_modules/echarts/NOTICE
	printf '\n\n========================================================================\nZRender (node_modules/zrender), bundled in echarts.min.js:\n\n'
	cat node_modules/zrender/LICENSE
	printf '\n\n========================================================================\ntslib (node_modules/tslib), bundled in echarts.min.js:\n\n'
	cat node_modules/tslib/LICENSE.txt
} > ../ECHARTS-LICENSE
ls -l "$out"
