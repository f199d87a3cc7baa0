// build.mjs converts Natural Earth 1:110m and 1:50m data, as redistributed by
// the npm package world-atlas, into the compact files internal/geo/basemap/
// land-110m.json (whole-world and continent maps) and land-50m.json (closer
// views: it has the Aegean islands, Malta, the Canaries, Mayotte) that
// internal/geo embeds. It runs at development time only; the server never
// fetches map data. See README.md in this directory.
//
//   cd /tmp && npm install world-atlas@2.0.2 topojson-client@3.1.0
//   node scripts/basemap/build.mjs /tmp/node_modules internal/geo/basemap
//
// Output format (JSON, one object):
//   scale    integer units per degree (20 → coordinates quantised to 0.05°)
//   land     closed rings (outer rings and holes; fill with even-odd), each a flat
//            list [lon0, lat0, dlon1, dlat1, ...]: the first point absolute, the
//            others as deltas from the previous point, all in 1/scale degrees;
//            the closing point is implicit
//   borders  open polylines between countries (land borders), same encoding
import {createRequire} from 'node:module';
import {createHash} from 'node:crypto';
import {readFileSync, writeFileSync} from 'node:fs';
import path from 'node:path';

const [modules, outDir] = process.argv.slice(2);
if (!modules || !outDir) {
  console.error('usage: node build.mjs NODE_MODULES_DIR OUTPUT_DIR');
  process.exit(2);
}
const require = createRequire(path.join(path.resolve(modules), 'x.js'));
const {feature, mesh} = require('topojson-client');
const atlasPkg = require('world-atlas/package.json');
const topoPkg = require('topojson-client/package.json');
const SCALE = 20; // 0.05°

function rings(geom) {
  const polys = geom.type === 'Polygon' ? [geom.coordinates] : geom.coordinates;
  return polys.flat(1);
}

// Natural Earth cuts Antarctica at the antimeridian and closes it along its
// southernmost latitude; in plate carrée that leaves a strip of "sea" under
// the continent. Close it along the pole instead.
function closeAtPole(ring) {
  for (let i = 0; i + 1 < ring.length; i++) {
    const [x0, y0] = ring[i], [x1, y1] = ring[i + 1];
    if (x0 > 170 && x1 < -170 && y0 < -60 && y1 < -60) {
      return [...ring.slice(0, i + 1), [180, y0], [180, -90], [-180, -90], [-180, y1], ...ring.slice(i + 1)];
    }
  }
  return ring;
}

// A few rings (Fiji, Wrangel Island, Chukotka with the rest of Eurasia) come
// out of the topology merge crossing the antimeridian, which in plate carrée
// would draw a band across the whole map. Unwrap such a ring into continuous
// longitudes, then cut it (and its copies shifted by ±360°) to [-180°, 180°].
function splitAntimeridian(ring) {
  if (ring.some(([, y]) => y <= -89.9)) return [ring]; // Antarctica, closed at the pole
  let crosses = false;
  for (let i = 0; i < ring.length; i++) {
    const a = ring[i], b = ring[(i + 1) % ring.length];
    if (Math.abs(a[0] - b[0]) > 180) crosses = true;
  }
  if (!crosses) return [ring];
  const un = [ring[0]];
  let off = 0;
  for (let i = 1; i < ring.length; i++) {
    const d = ring[i][0] - ring[i - 1][0];
    if (d > 180) off -= 360;
    else if (d < -180) off += 360;
    un.push([ring[i][0] + off, ring[i][1]]);
  }
  const out = [];
  for (const shift of [-360, 0, 360]) {
    let r = un.map(([x, y]) => [x + shift, y]);
    r = clipX(r, -180, true);
    r = clipX(r, 180, false);
    if (r.length >= 3) out.push(r);
  }
  return out;
}

// Sutherland–Hodgman against the half-plane x >= edge (keepAbove) or x <= edge.
function clipX(ring, edge, keepAbove) {
  const inside = ([x]) => (keepAbove ? x >= edge : x <= edge);
  const out = [];
  for (let i = 0; i < ring.length; i++) {
    const cur = ring[i], prev = ring[(i + ring.length - 1) % ring.length];
    const ci = inside(cur), pi = inside(prev);
    if (ci !== pi) {
      const t = (edge - prev[0]) / (cur[0] - prev[0]);
      out.push([edge, prev[1] + t * (cur[1] - prev[1])]);
    }
    if (ci) out.push(cur);
  }
  return out;
}

function encode(lines, closed) {
  const out = [];
  let n = 0;
  for (const line of lines) {
    let pts = line.map(([x, y]) => [Math.round(x * SCALE), Math.round(y * SCALE)]);
    const kept = [];
    for (const p of pts) {
      const q = kept[kept.length - 1];
      if (q && q[0] === p[0] && q[1] === p[1]) continue;
      kept.push(p);
    }
    if (closed && kept.length > 1) {
      const a = kept[0], b = kept[kept.length - 1];
      if (a[0] === b[0] && a[1] === b[1]) kept.pop();
    }
    if (kept.length < (closed ? 3 : 2)) continue; // collapsed by quantisation
    if (closed) {
      let area = 0;
      for (let i = 0; i < kept.length; i++) {
        const [ax, ay] = kept[i], [bx, by] = kept[(i + 1) % kept.length];
        area += ax * by - bx * ay;
      }
      if (area === 0) continue; // a line along the pole, or collapsed
    }
    const flat = [kept[0][0], kept[0][1]];
    for (let i = 1; i < kept.length; i++) {
      flat.push(kept[i][0] - kept[i - 1][0], kept[i][1] - kept[i - 1][1]);
    }
    out.push(flat);
    n += kept.length;
  }
  return [out, n];
}

// Douglas–Peucker: drop points closer than tol degrees to the line kept.
function simplify(pts, tol) {
  if (tol <= 0 || pts.length < 3) return pts;
  const keep = new Uint8Array(pts.length);
  keep[0] = keep[pts.length - 1] = 1;
  const stack = [[0, pts.length - 1]];
  while (stack.length) {
    const [a, b] = stack.pop();
    const [ax, ay] = pts[a], [bx, by] = pts[b];
    const dx = bx - ax, dy = by - ay, len = Math.hypot(dx, dy);
    let far = -1, at = -1;
    for (let i = a + 1; i < b; i++) {
      const [x, y] = pts[i];
      const d = len === 0 ? Math.hypot(x - ax, y - ay) : Math.abs(dy * (x - ax) - dx * (y - ay)) / len;
      if (d > far) { far = d; at = i; }
    }
    if (far > tol) {
      keep[at] = 1;
      stack.push([a, at], [at, b]);
    }
  }
  return pts.filter((_, i) => keep[i]);
}

function build(name, file, tol) {
  const raw = readFileSync(require.resolve(`world-atlas/${file}`));
  const topo = JSON.parse(raw);
  const land = feature(topo, topo.objects.land);
  const landGeoms = land.features ? land.features.map((f) => f.geometry) : [land.geometry];
  const landRings = landGeoms.flatMap(rings).map((r) => simplify(r, tol)).map(closeAtPole).flatMap(splitAntimeridian);
  const borders = mesh(topo, topo.objects.countries, (a, b) => a !== b).coordinates.map((l) => simplify(l, tol));
  const [landEnc, landPts] = encode(landRings, true);
  const [bordEnc, bordPts] = encode(borders, false);
  const source = `Natural Earth ${name} (v4.1.0) admin-0 countries, via npm world-atlas@${atlasPkg.version} ${file} ` +
    `(sha256 ${createHash('sha256').update(raw).digest('hex')}), topojson-client@${topoPkg.version}; ` +
    (tol > 0 ? `simplified to ${tol}°, ` : '') + `quantised to ${1 / SCALE}°`;
  // One ring per line keeps diffs readable and the file still small.
  const body = [
    '{"source":' + JSON.stringify(source) + ',',
    '"license":' + JSON.stringify('Natural Earth: public domain. world-atlas packaging: ISC.') + ',',
    '"scale":' + SCALE + ',',
    '"land":[',
    landEnc.map((r) => JSON.stringify(r)).join(',\n'),
    '],',
    '"borders":[',
    bordEnc.map((r) => JSON.stringify(r)).join(',\n'),
    ']}',
    '',
  ].join('\n');
  const out = path.join(outDir, `land-${name.replace('1:', '')}.json`);
  writeFileSync(out, body);
  console.error(`${out}: land ${landEnc.length} rings, ${landPts} points; borders ${bordEnc.length} lines, ${bordPts} points; ${body.length} bytes`);
}

build('1:110m', 'countries-110m.json', 0);
build('1:50m', 'countries-50m.json', 0.05);
