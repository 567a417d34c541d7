/**
 * The API reference page at /api/docs: one self-contained HTML file (no CDN: deployments are often
 * offline) that fetches /api/v1/openapi.json and renders every operation with its parameters, request
 * body and responses. Rendering uses textContent only, so nothing in the document can inject markup.
 */
export const API_DOCS_HTML = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>Gleaner API reference</title>
<style>
body{font:15px/1.45 system-ui,sans-serif;margin:0;color:#1d2430;background:#f7f8fa}
header{background:#1d2430;color:#fff;padding:1em 2em}header h1{margin:0;font-size:1.4em}
main{max-width:1100px;margin:auto;padding:1em 2em}
nav#toc{columns:2;font-size:.9em;margin-bottom:1.5em}nav#toc a{display:block;color:#245;text-decoration:none}
h2.tag{border-bottom:2px solid #ccd;margin-top:2em}
details.op{background:#fff;border:1px solid #dde;border-radius:6px;margin:.5em 0}
details.op>summary{padding:.6em .8em;cursor:pointer;font-family:ui-monospace,monospace}
.m{display:inline-block;min-width:4.5em;font-weight:bold;text-transform:uppercase;border-radius:4px;padding:0 .4em;margin-right:.6em;color:#fff;text-align:center}
.get{background:#2a7ab0}.post{background:#2f9e44}.put{background:#d08400}.delete{background:#c92a2a}.patch{background:#7048e8}
.s{color:#556;font-family:system-ui;margin-left:.6em}.body{padding:0 1em 1em}
table{border-collapse:collapse;width:100%;font-size:.9em}td,th{border:1px solid #e3e5ea;padding:.3em .5em;text-align:left;vertical-align:top}
pre{background:#f1f3f6;padding:.6em;overflow:auto;font-size:.85em;max-height:24em}.lock{color:#a60}
</style></head>
<body><header><h1>Gleaner API reference</h1><div id="info"></div></header>
<main><p>Machine-readable: <a href="/api/v1/openapi.json">/api/v1/openapi.json</a> (OpenAPI 3.1).
Authenticate with <code>Authorization: ApiKey sk-...</code>.</p><nav id="toc"></nav><div id="ops">Loading…</div></main>
<script>
(function(){
  function el(tag, attrs, kids){ var e=document.createElement(tag); for (var k in (attrs||{})) { if (k==='text') e.textContent=attrs[k]; else e.setAttribute(k, attrs[k]); } (kids||[]).forEach(function(c){ if (c) e.appendChild(c); }); return e; }
  function resolve(doc, s){ var seen=0; while (s && s.$ref && seen++<20) { var parts=s.$ref.replace(/^#\\//,'').split('/'); s=parts.reduce(function(o,p){return o&&o[p];}, doc); } return s||{}; }
  function typeOf(doc, s){ s=resolve(doc,s); if (s.enum) return s.enum.map(JSON.stringify).join(' | '); if (s.anyOf) return s.anyOf.map(function(x){return typeOf(doc,x);}).join(' | '); if (s.type==='array') return typeOf(doc, s.items||{})+'[]'; return s.type||'any'; }
  function schemaBlock(doc, s){ return el('pre',{text: JSON.stringify(resolve(doc,s), null, 2)}); }
  function render(doc){
    document.getElementById('info').textContent = (doc.info.title||'') + ' ' + (doc.info.version||'') + ' · ' + (doc.info.description||'');
    var byTag = {}; Object.keys(doc.paths).forEach(function(p){ Object.keys(doc.paths[p]).forEach(function(m){ var op=doc.paths[p][m]; var t=(op.tags&&op.tags[0])||'Other'; (byTag[t]=byTag[t]||[]).push({p:p,m:m,op:op}); }); });
    var ops=document.getElementById('ops'); ops.textContent=''; var toc=document.getElementById('toc');
    Object.keys(byTag).forEach(function(tag){
      ops.appendChild(el('h2',{'class':'tag',id:'tag-'+tag,text:tag}));
      byTag[tag].forEach(function(x){
        var op=x.op; toc.appendChild(el('a',{href:'#'+op.operationId,text:x.m.toUpperCase()+' '+x.p}));
        var body=el('div',{'class':'body'});
        if (op.description) body.appendChild(el('p',{text:op.description}));
        body.appendChild(el('p',{text: op.security && op.security.length===0 ? 'Public: no API key needed.' : 'Requires an API key' + (op['x-gleaner-access']==='admin' ? ' of an administrator.' : '.')}));
        if (op.parameters && op.parameters.length) {
          var t=el('table',{},[el('tr',{},[el('th',{text:'name'}),el('th',{text:'in'}),el('th',{text:'type'}),el('th',{text:'required'})])]);
          op.parameters.forEach(function(prm){ t.appendChild(el('tr',{},[el('td',{text:prm.name}),el('td',{text:prm.in}),el('td',{text:typeOf(doc,prm.schema)}),el('td',{text:prm.required?'yes':''})])); });
          body.appendChild(el('h4',{text:'Parameters'})); body.appendChild(t);
        }
        if (op.requestBody) { var c=op.requestBody.content||{}; var ct=Object.keys(c)[0]; body.appendChild(el('h4',{text:'Request body ('+ct+')'+(op.requestBody.required?'':' — optional')})); if (ct) body.appendChild(schemaBlock(doc,c[ct].schema)); }
        body.appendChild(el('h4',{text:'Responses'}));
        var rt=el('table',{}); Object.keys(op.responses||{}).forEach(function(code){ var r=resolve(doc,op.responses[code]); var cell=el('td',{text:r.description||''}); var rc=r.content||{}; var k=Object.keys(rc)[0]; if (k && rc[k].schema && Number(code)<400) cell.appendChild(schemaBlock(doc,rc[k].schema)); rt.appendChild(el('tr',{},[el('td',{text:code}),cell])); });
        body.appendChild(rt);
        var sum=el('summary',{},[el('span',{'class':'m '+x.m,text:x.m}),el('span',{text:x.p}),el('span',{'class':'s',text:op.summary||''})]);
        ops.appendChild(el('details',{'class':'op',id:op.operationId},[sum,body]));
      });
    });
  }
  fetch('/api/v1/openapi.json').then(function(r){ if(!r.ok) throw new Error('HTTP '+r.status); return r.json(); }).then(render).catch(function(e){ document.getElementById('ops').textContent='Could not load the OpenAPI document: '+e.message; });
})();
</script></body></html>
`;
