/**
 * permessage-deflate (issue 5): the cost of the synchronous zlib calls wsframe's DeflateCodec
 * makes per message, with and without a 32 KiB takeover dictionary, on 4 KiB JSON-like
 * documents (built here in JS, like bench/loadgen.c's). Best of 7 × 500 calls each.
 *
 *   node bench/deflate-zlib-micro.mjs
 */
import * as zlib from 'node:zlib';
const names=['alice','bob','carol','dave','erin','frank'];
function doc(seed){let a=[];let i=0;let s='';while(true){const r={id:100000+seed*97+i*13,name:names[(seed+i)%6]+' smith',email:names[(i*7)%6]+'@example.com',createdAt:new Date(1.7e12+seed*3.6e6+i*17000).toISOString(),status:['active','pending'][i%2],score:(i*37%100)+0.25,tags:['beta','web'],verified:!!(i%2)};const n=JSON.stringify([...a,r]);if(n.length>4096)break;a.push(r);i++;s=n}return Buffer.from(s.padEnd(4096,' '))}
const docs=Array.from({length:16},(_,i)=>doc(i));
const dict=Buffer.concat(docs.slice(0,8)).subarray(0,32768);
const opts={finishFlush:zlib.constants.Z_SYNC_FLUSH};
function bench(label,f){for(let i=0;i<300;i++)f(i);let best=1e9;for(let k=0;k<7;k++){const n=500;const t=process.hrtime.bigint();for(let i=0;i<n;i++)f(i);best=Math.min(best,Number(process.hrtime.bigint()-t)/1e3/n);}console.log(label.padEnd(50),best.toFixed(1),'µs/msg (min of 7)');}
const c0=docs.map(d=>zlib.deflateRawSync(d,opts));
const c1=docs.map(d=>zlib.deflateRawSync(d,{...opts,dictionary:dict}));
for(let rep=0;rep<1;rep++){
bench('deflateRawSync 4K, no dictionary',i=>zlib.deflateRawSync(docs[i&15],opts));
bench('deflateRawSync 4K, 32K dictionary (takeover)',i=>zlib.deflateRawSync(docs[i&15],{...opts,dictionary:dict}));
bench('deflateRawSync 4K, 32K dict, level 1',i=>zlib.deflateRawSync(docs[i&15],{...opts,level:1,dictionary:dict}));
bench('deflateRawSync 4K, level 1 no dict',i=>zlib.deflateRawSync(docs[i&15],{...opts,level:1}));
bench('inflateRawSync, no dictionary',i=>zlib.inflateRawSync(c0[i&15],opts));
bench('inflateRawSync, 32K dictionary',i=>zlib.inflateRawSync(c1[i&15],{...opts,dictionary:dict}));
bench('deflateRawSync 0 B (setup only)',i=>zlib.deflateRawSync(Buffer.alloc(0),opts));
bench('inflateRawSync tiny (setup only)',i=>zlib.inflateRawSync(c0[0].subarray(0,2),opts));
}
// streaming takeover, as ws does it: one deflate stream per connection (sync flush)
console.log('compressed sizes: no dict', Math.round(c0.reduce((a,b)=>a+b.length,0)/16), 'with dict', Math.round(c1.reduce((a,b)=>a+b.length,0)/16));
bench('new zlib.createDeflateRaw() only (no data)', i => zlib.createDeflateRaw({}));
