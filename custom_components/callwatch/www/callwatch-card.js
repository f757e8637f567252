var j=globalThis,B=j.ShadowRoot&&(j.ShadyCSS===void 0||j.ShadyCSS.nativeShadow)&&"adoptedStyleSheets"in Document.prototype&&"replace"in CSSStyleSheet.prototype,q=Symbol(),de=new WeakMap,N=class{constructor(e,t,i){if(this._$cssResult$=!0,i!==q)throw Error("CSSResult is not constructable. Use `unsafeCSS` or `css` instead.");this.cssText=e,this.t=t}get styleSheet(){let e=this.o,t=this.t;if(B&&e===void 0){let i=t!==void 0&&t.length===1;i&&(e=de.get(t)),e===void 0&&((this.o=e=new CSSStyleSheet).replaceSync(this.cssText),i&&de.set(t,e))}return e}toString(){return this.cssText}},he=s=>new N(typeof s=="string"?s:s+"",void 0,q),T=(s,...e)=>{let t=s.length===1?s[0]:e.reduce((i,n,o)=>i+(r=>{if(r._$cssResult$===!0)return r.cssText;if(typeof r=="number")return r;throw Error("Value passed to 'css' function must be a 'css' function result: "+r+". Use 'unsafeCSS' to pass non-literal values, but take care to ensure page security.")})(n)+s[o+1],s[0]);return new N(t,s,q)},ue=(s,e)=>{if(B)s.adoptedStyleSheets=e.map(t=>t instanceof CSSStyleSheet?t:t.styleSheet);else for(let t of e){let i=document.createElement("style"),n=j.litNonce;n!==void 0&&i.setAttribute("nonce",n),i.textContent=t.cssText,s.appendChild(i)}},X=B?s=>s:s=>s instanceof CSSStyleSheet?(e=>{let t="";for(let i of e.cssRules)t+=i.cssText;return he(t)})(s):s;var{is:ze,defineProperty:We,getOwnPropertyDescriptor:je,getOwnPropertyNames:Be,getOwnPropertySymbols:Ke,getPrototypeOf:Ve}=Object,K=globalThis,pe=K.trustedTypes,Ge=pe?pe.emptyScript:"",Fe=K.reactiveElementPolyfillSupport,k=(s,e)=>s,Z={toAttribute(s,e){switch(e){case Boolean:s=s?Ge:null;break;case Object:case Array:s=s==null?s:JSON.stringify(s)}return s},fromAttribute(s,e){let t=s;switch(e){case Boolean:t=s!==null;break;case Number:t=s===null?null:Number(s);break;case Object:case Array:try{t=JSON.parse(s)}catch{t=null}}return t}},me=(s,e)=>!ze(s,e),ge={attribute:!0,type:String,converter:Z,reflect:!1,useDefault:!1,hasChanged:me};Symbol.metadata??=Symbol("metadata"),K.litPropertyMetadata??=new WeakMap;var f=class extends HTMLElement{static addInitializer(e){this._$Ei(),(this.l??=[]).push(e)}static get observedAttributes(){return this.finalize(),this._$Eh&&[...this._$Eh.keys()]}static createProperty(e,t=ge){if(t.state&&(t.attribute=!1),this._$Ei(),this.prototype.hasOwnProperty(e)&&((t=Object.create(t)).wrapped=!0),this.elementProperties.set(e,t),!t.noAccessor){let i=Symbol(),n=this.getPropertyDescriptor(e,i,t);n!==void 0&&We(this.prototype,e,n)}}static getPropertyDescriptor(e,t,i){let{get:n,set:o}=je(this.prototype,e)??{get(){return this[t]},set(r){this[t]=r}};return{get:n,set(r){let c=n?.call(this);o?.call(this,r),this.requestUpdate(e,c,i)},configurable:!0,enumerable:!0}}static getPropertyOptions(e){return this.elementProperties.get(e)??ge}static _$Ei(){if(this.hasOwnProperty(k("elementProperties")))return;let e=Ve(this);e.finalize(),e.l!==void 0&&(this.l=[...e.l]),this.elementProperties=new Map(e.elementProperties)}static finalize(){if(this.hasOwnProperty(k("finalized")))return;if(this.finalized=!0,this._$Ei(),this.hasOwnProperty(k("properties"))){let t=this.properties,i=[...Be(t),...Ke(t)];for(let n of i)this.createProperty(n,t[n])}let e=this[Symbol.metadata];if(e!==null){let t=litPropertyMetadata.get(e);if(t!==void 0)for(let[i,n]of t)this.elementProperties.set(i,n)}this._$Eh=new Map;for(let[t,i]of this.elementProperties){let n=this._$Eu(t,i);n!==void 0&&this._$Eh.set(n,t)}this.elementStyles=this.finalizeStyles(this.styles)}static finalizeStyles(e){let t=[];if(Array.isArray(e)){let i=new Set(e.flat(1/0).reverse());for(let n of i)t.unshift(X(n))}else e!==void 0&&t.push(X(e));return t}static _$Eu(e,t){let i=t.attribute;return i===!1?void 0:typeof i=="string"?i:typeof e=="string"?e.toLowerCase():void 0}constructor(){super(),this._$Ep=void 0,this.isUpdatePending=!1,this.hasUpdated=!1,this._$Em=null,this._$Ev()}_$Ev(){this._$ES=new Promise(e=>this.enableUpdating=e),this._$AL=new Map,this._$E_(),this.requestUpdate(),this.constructor.l?.forEach(e=>e(this))}addController(e){(this._$EO??=new Set).add(e),this.renderRoot!==void 0&&this.isConnected&&e.hostConnected?.()}removeController(e){this._$EO?.delete(e)}_$E_(){let e=new Map,t=this.constructor.elementProperties;for(let i of t.keys())this.hasOwnProperty(i)&&(e.set(i,this[i]),delete this[i]);e.size>0&&(this._$Ep=e)}createRenderRoot(){let e=this.shadowRoot??this.attachShadow(this.constructor.shadowRootOptions);return ue(e,this.constructor.elementStyles),e}connectedCallback(){this.renderRoot??=this.createRenderRoot(),this.enableUpdating(!0),this._$EO?.forEach(e=>e.hostConnected?.())}enableUpdating(e){}disconnectedCallback(){this._$EO?.forEach(e=>e.hostDisconnected?.())}attributeChangedCallback(e,t,i){this._$AK(e,i)}_$ET(e,t){let i=this.constructor.elementProperties.get(e),n=this.constructor._$Eu(e,i);if(n!==void 0&&i.reflect===!0){let o=(i.converter?.toAttribute!==void 0?i.converter:Z).toAttribute(t,i.type);this._$Em=e,o==null?this.removeAttribute(n):this.setAttribute(n,o),this._$Em=null}}_$AK(e,t){let i=this.constructor,n=i._$Eh.get(e);if(n!==void 0&&this._$Em!==n){let o=i.getPropertyOptions(n),r=typeof o.converter=="function"?{fromAttribute:o.converter}:o.converter?.fromAttribute!==void 0?o.converter:Z;this._$Em=n;let c=r.fromAttribute(t,o.type);this[n]=c??this._$Ej?.get(n)??c,this._$Em=null}}requestUpdate(e,t,i,n=!1,o){if(e!==void 0){let r=this.constructor;if(n===!1&&(o=this[e]),i??=r.getPropertyOptions(e),!((i.hasChanged??me)(o,t)||i.useDefault&&i.reflect&&o===this._$Ej?.get(e)&&!this.hasAttribute(r._$Eu(e,i))))return;this.C(e,t,i)}this.isUpdatePending===!1&&(this._$ES=this._$EP())}C(e,t,{useDefault:i,reflect:n,wrapped:o},r){i&&!(this._$Ej??=new Map).has(e)&&(this._$Ej.set(e,r??t??this[e]),o!==!0||r!==void 0)||(this._$AL.has(e)||(this.hasUpdated||i||(t=void 0),this._$AL.set(e,t)),n===!0&&this._$Em!==e&&(this._$Eq??=new Set).add(e))}async _$EP(){this.isUpdatePending=!0;try{await this._$ES}catch(t){Promise.reject(t)}let e=this.scheduleUpdate();return e!=null&&await e,!this.isUpdatePending}scheduleUpdate(){return this.performUpdate()}performUpdate(){if(!this.isUpdatePending)return;if(!this.hasUpdated){if(this.renderRoot??=this.createRenderRoot(),this._$Ep){for(let[n,o]of this._$Ep)this[n]=o;this._$Ep=void 0}let i=this.constructor.elementProperties;if(i.size>0)for(let[n,o]of i){let{wrapped:r}=o,c=this[n];r!==!0||this._$AL.has(n)||c===void 0||this.C(n,void 0,o,c)}}let e=!1,t=this._$AL;try{e=this.shouldUpdate(t),e?(this.willUpdate(t),this._$EO?.forEach(i=>i.hostUpdate?.()),this.update(t)):this._$EM()}catch(i){throw e=!1,this._$EM(),i}e&&this._$AE(t)}willUpdate(e){}_$AE(e){this._$EO?.forEach(t=>t.hostUpdated?.()),this.hasUpdated||(this.hasUpdated=!0,this.firstUpdated(e)),this.updated(e)}_$EM(){this._$AL=new Map,this.isUpdatePending=!1}get updateComplete(){return this.getUpdateComplete()}getUpdateComplete(){return this._$ES}shouldUpdate(e){return!0}update(e){this._$Eq&&=this._$Eq.forEach(t=>this._$ET(t,this[t])),this._$EM()}updated(e){}firstUpdated(e){}};f.elementStyles=[],f.shadowRootOptions={mode:"open"},f[k("elementProperties")]=new Map,f[k("finalized")]=new Map,Fe?.({ReactiveElement:f}),(K.reactiveElementVersions??=[]).push("2.1.2");var ne=globalThis,_e=s=>s,V=ne.trustedTypes,fe=V?V.createPolicy("lit-html",{createHTML:s=>s}):void 0,Ae="$lit$",$=`lit$${Math.random().toFixed(9).slice(2)}$`,Se="?"+$,qe=`<${Se}>`,b=document,R=()=>b.createComment(""),L=s=>s===null||typeof s!="object"&&typeof s!="function",se=Array.isArray,Xe=s=>se(s)||typeof s?.[Symbol.iterator]=="function",J=`[ 	
\f\r]`,H=/<(?:(!--|\/[^a-zA-Z])|(\/?[a-zA-Z][^>\s]*)|(\/?$))/g,ye=/-->/g,$e=/>/g,v=RegExp(`>|${J}(?:([^\\s"'>=/]+)(${J}*=${J}*(?:[^ 	
\f\r"'\`<>=]|("|')|))|$)`,"g"),ve=/'/g,we=/"/g,Ce=/^(?:script|style|textarea|title)$/i,oe=s=>(e,...t)=>({_$litType$:s,strings:e,values:t}),d=oe(1),rt=oe(2),at=oe(3),A=Symbol.for("lit-noChange"),l=Symbol.for("lit-nothing"),be=new WeakMap,w=b.createTreeWalker(b,129);function xe(s,e){if(!se(s)||!s.hasOwnProperty("raw"))throw Error("invalid template strings array");return fe!==void 0?fe.createHTML(e):e}var Ze=(s,e)=>{let t=s.length-1,i=[],n,o=e===2?"<svg>":e===3?"<math>":"",r=H;for(let c=0;c<t;c++){let a=s[c],h,p,u=-1,_=0;for(;_<a.length&&(r.lastIndex=_,p=r.exec(a),p!==null);)_=r.lastIndex,r===H?p[1]==="!--"?r=ye:p[1]!==void 0?r=$e:p[2]!==void 0?(Ce.test(p[2])&&(n=RegExp("</"+p[2],"g")),r=v):p[3]!==void 0&&(r=v):r===v?p[0]===">"?(r=n??H,u=-1):p[1]===void 0?u=-2:(u=r.lastIndex-p[2].length,h=p[1],r=p[3]===void 0?v:p[3]==='"'?we:ve):r===we||r===ve?r=v:r===ye||r===$e?r=H:(r=v,n=void 0);let y=r===v&&s[c+1].startsWith("/>")?" ":"";o+=r===H?a+qe:u>=0?(i.push(h),a.slice(0,u)+Ae+a.slice(u)+$+y):a+$+(u===-2?c:y)}return[xe(s,o+(s[t]||"<?>")+(e===2?"</svg>":e===3?"</math>":"")),i]},P=class s{constructor({strings:e,_$litType$:t},i){let n;this.parts=[];let o=0,r=0,c=e.length-1,a=this.parts,[h,p]=Ze(e,t);if(this.el=s.createElement(h,i),w.currentNode=this.el.content,t===2||t===3){let u=this.el.content.firstChild;u.replaceWith(...u.childNodes)}for(;(n=w.nextNode())!==null&&a.length<c;){if(n.nodeType===1){if(n.hasAttributes())for(let u of n.getAttributeNames())if(u.endsWith(Ae)){let _=p[r++],y=n.getAttribute(u).split($),W=/([.?@])?(.*)/.exec(_);a.push({type:1,index:o,name:W[2],strings:y,ctor:W[1]==="."?Y:W[1]==="?"?ee:W[1]==="@"?te:x}),n.removeAttribute(u)}else u.startsWith($)&&(a.push({type:6,index:o}),n.removeAttribute(u));if(Ce.test(n.tagName)){let u=n.textContent.split($),_=u.length-1;if(_>0){n.textContent=V?V.emptyScript:"";for(let y=0;y<_;y++)n.append(u[y],R()),w.nextNode(),a.push({type:2,index:++o});n.append(u[_],R())}}}else if(n.nodeType===8)if(n.data===Se)a.push({type:2,index:o});else{let u=-1;for(;(u=n.data.indexOf($,u+1))!==-1;)a.push({type:7,index:o}),u+=$.length-1}o++}}static createElement(e,t){let i=b.createElement("template");return i.innerHTML=e,i}};function C(s,e,t=s,i){if(e===A)return e;let n=i!==void 0?t._$Co?.[i]:t._$Cl,o=L(e)?void 0:e._$litDirective$;return n?.constructor!==o&&(n?._$AO?.(!1),o===void 0?n=void 0:(n=new o(s),n._$AT(s,t,i)),i!==void 0?(t._$Co??=[])[i]=n:t._$Cl=n),n!==void 0&&(e=C(s,n._$AS(s,e.values),n,i)),e}var Q=class{constructor(e,t){this._$AV=[],this._$AN=void 0,this._$AD=e,this._$AM=t}get parentNode(){return this._$AM.parentNode}get _$AU(){return this._$AM._$AU}u(e){let{el:{content:t},parts:i}=this._$AD,n=(e?.creationScope??b).importNode(t,!0);w.currentNode=n;let o=w.nextNode(),r=0,c=0,a=i[0];for(;a!==void 0;){if(r===a.index){let h;a.type===2?h=new I(o,o.nextSibling,this,e):a.type===1?h=new a.ctor(o,a.name,a.strings,this,e):a.type===6&&(h=new ie(o,this,e)),this._$AV.push(h),a=i[++c]}r!==a?.index&&(o=w.nextNode(),r++)}return w.currentNode=b,n}p(e){let t=0;for(let i of this._$AV)i!==void 0&&(i.strings!==void 0?(i._$AI(e,i,t),t+=i.strings.length-2):i._$AI(e[t])),t++}},I=class s{get _$AU(){return this._$AM?._$AU??this._$Cv}constructor(e,t,i,n){this.type=2,this._$AH=l,this._$AN=void 0,this._$AA=e,this._$AB=t,this._$AM=i,this.options=n,this._$Cv=n?.isConnected??!0}get parentNode(){let e=this._$AA.parentNode,t=this._$AM;return t!==void 0&&e?.nodeType===11&&(e=t.parentNode),e}get startNode(){return this._$AA}get endNode(){return this._$AB}_$AI(e,t=this){e=C(this,e,t),L(e)?e===l||e==null||e===""?(this._$AH!==l&&this._$AR(),this._$AH=l):e!==this._$AH&&e!==A&&this._(e):e._$litType$!==void 0?this.$(e):e.nodeType!==void 0?this.T(e):Xe(e)?this.k(e):this._(e)}O(e){return this._$AA.parentNode.insertBefore(e,this._$AB)}T(e){this._$AH!==e&&(this._$AR(),this._$AH=this.O(e))}_(e){this._$AH!==l&&L(this._$AH)?this._$AA.nextSibling.data=e:this.T(b.createTextNode(e)),this._$AH=e}$(e){let{values:t,_$litType$:i}=e,n=typeof i=="number"?this._$AC(e):(i.el===void 0&&(i.el=P.createElement(xe(i.h,i.h[0]),this.options)),i);if(this._$AH?._$AD===n)this._$AH.p(t);else{let o=new Q(n,this),r=o.u(this.options);o.p(t),this.T(r),this._$AH=o}}_$AC(e){let t=be.get(e.strings);return t===void 0&&be.set(e.strings,t=new P(e)),t}k(e){se(this._$AH)||(this._$AH=[],this._$AR());let t=this._$AH,i,n=0;for(let o of e)n===t.length?t.push(i=new s(this.O(R()),this.O(R()),this,this.options)):i=t[n],i._$AI(o),n++;n<t.length&&(this._$AR(i&&i._$AB.nextSibling,n),t.length=n)}_$AR(e=this._$AA.nextSibling,t){for(this._$AP?.(!1,!0,t);e!==this._$AB;){let i=_e(e).nextSibling;_e(e).remove(),e=i}}setConnected(e){this._$AM===void 0&&(this._$Cv=e,this._$AP?.(e))}},x=class{get tagName(){return this.element.tagName}get _$AU(){return this._$AM._$AU}constructor(e,t,i,n,o){this.type=1,this._$AH=l,this._$AN=void 0,this.element=e,this.name=t,this._$AM=n,this.options=o,i.length>2||i[0]!==""||i[1]!==""?(this._$AH=Array(i.length-1).fill(new String),this.strings=i):this._$AH=l}_$AI(e,t=this,i,n){let o=this.strings,r=!1;if(o===void 0)e=C(this,e,t,0),r=!L(e)||e!==this._$AH&&e!==A,r&&(this._$AH=e);else{let c=e,a,h;for(e=o[0],a=0;a<o.length-1;a++)h=C(this,c[i+a],t,a),h===A&&(h=this._$AH[a]),r||=!L(h)||h!==this._$AH[a],h===l?e=l:e!==l&&(e+=(h??"")+o[a+1]),this._$AH[a]=h}r&&!n&&this.j(e)}j(e){e===l?this.element.removeAttribute(this.name):this.element.setAttribute(this.name,e??"")}},Y=class extends x{constructor(){super(...arguments),this.type=3}j(e){this.element[this.name]=e===l?void 0:e}},ee=class extends x{constructor(){super(...arguments),this.type=4}j(e){this.element.toggleAttribute(this.name,!!e&&e!==l)}},te=class extends x{constructor(e,t,i,n,o){super(e,t,i,n,o),this.type=5}_$AI(e,t=this){if((e=C(this,e,t,0)??l)===A)return;let i=this._$AH,n=e===l&&i!==l||e.capture!==i.capture||e.once!==i.once||e.passive!==i.passive,o=e!==l&&(i===l||n);n&&this.element.removeEventListener(this.name,this,i),o&&this.element.addEventListener(this.name,this,e),this._$AH=e}handleEvent(e){typeof this._$AH=="function"?this._$AH.call(this.options?.host??this.element,e):this._$AH.handleEvent(e)}},ie=class{constructor(e,t,i){this.element=e,this.type=6,this._$AN=void 0,this._$AM=t,this.options=i}get _$AU(){return this._$AM._$AU}_$AI(e){C(this,e)}};var Je=ne.litHtmlPolyfillSupport;Je?.(P,I),(ne.litHtmlVersions??=[]).push("3.3.3");var Ee=(s,e,t)=>{let i=t?.renderBefore??e,n=i._$litPart$;if(n===void 0){let o=t?.renderBefore??null;i._$litPart$=n=new I(e.insertBefore(R(),o),o,void 0,t??{})}return n._$AI(s),n};var re=globalThis,m=class extends f{constructor(){super(...arguments),this.renderOptions={host:this},this._$Do=void 0}createRenderRoot(){let e=super.createRenderRoot();return this.renderOptions.renderBefore??=e.firstChild,e}update(e){let t=this.render();this.hasUpdated||(this.renderOptions.isConnected=this.isConnected),super.update(e),this._$Do=Ee(t,this.renderRoot,this.renderOptions)}connectedCallback(){super.connectedCallback(),this._$Do?.setConnected(!0)}disconnectedCallback(){super.disconnectedCallback(),this._$Do?.setConnected(!1)}render(){return A}};m._$litElement$=!0,m.finalized=!0,re.litElementHydrateSupport?.({LitElement:m});var Qe=re.litElementPolyfillSupport;Qe?.({LitElement:m});(re.litElementVersions??=[]).push("4.2.2");var M="callwatch";function G(s){return Object.values(s.devices??{}).flatMap(e=>{let t=e&&Ne(e);return e&&t?[{entryId:t,name:Te(e)}]:[]}).sort((e,t)=>e.name.localeCompare(t.name))}function Ne(s){return s.identifiers.find(([e])=>e===M)?.[1]}function Te(s){return s.name_by_user||s.name||M}function ke(s,e){let t=Object.values(s.devices??{}).find(n=>n!==void 0&&Ne(n)===e);if(!t)return;let i={};for(let n of Object.values(s.entities??{}))n?.device_id===t.id&&n.platform===M&&n.translation_key&&(i[n.translation_key]=s.states[n.entity_id]);return{entryId:e,name:Te(t),live:i.active_calls,today:i.missed_calls_today,waiting:i.waiting_missed_calls}}function He(s){return s!==void 0&&s.state!=="unavailable"&&s.state!=="unknown"}function g(s){return typeof s=="string"&&s!==""?s:null}function Re(s){let e=s.attributes.calls;return Array.isArray(e)?e.filter(t=>typeof t=="object"&&t!==null):[]}function Le(s){return Re(s).map(e=>({callerNumber:g(e.caller_number),callerShown:g(e.caller_number_for_reading)??g(e.caller_number),calledShown:g(e.called_number_for_reading)??g(e.called_number),callerName:g(e.caller_name),calledName:g(e.called_name),direction:g(e.direction),answered:e.answered===!0,since:g(e.since)}))}function Pe(s){return Re(s).flatMap(e=>{let t=g(e.time);return t===null?[]:[{time:t,callerNumber:g(e.caller_number),callerShown:g(e.caller_number_for_reading)??g(e.caller_number),callerName:g(e.caller_name),callerNameSource:g(e.caller_name_source),withheld:e.caller_withheld===!0||g(e.caller_number)===null,calledShown:g(e.called_number_for_reading)??g(e.called_number),callId:g(e.call_id),catchUp:e.catch_up===!0,voicemail:typeof e.voicemail=="boolean"?e.voicemail:null}]})}function Ie(s){return s!==null&&/^\+[1-9]\d{5,14}$/.test(s)}var S=["live","today","waiting"];function Me(s){if(typeof s!="object"||s===null)throw new Error("The card needs a configuration.");let e=s;if(e.config_entry_id!==void 0&&typeof e.config_entry_id!="string")throw new Error("config_entry_id must be the account's config entry id.");if(e.waiting_calls!==void 0&&!(Number.isInteger(e.waiting_calls)&&e.waiting_calls>=1&&e.waiting_calls<=20))throw new Error("waiting_calls must be a whole number from 1 to 20.");if(e.sections!==void 0&&!(Array.isArray(e.sections)&&e.sections.every(t=>S.includes(t))))throw new Error(`sections must be a list of: ${S.join(", ")}.`);return e}function E(s){return s.sections??S}var ae={card_name:"Callwatch calls",card_description:"Who is on the phone, and who is waiting for a call back, for one Callwatch account.",no_account:"Choose a Callwatch account in the card's settings.",account_not_found:"This Callwatch account is not set up in Home Assistant any more.",unavailable:"Unavailable: Callwatch cannot reach the provider right now.",not_shown:"Not available for this account.",live_title:"On the phone now",live_empty:"No calls in progress.",inbound:"Incoming",outbound:"Outgoing",ringing:"ringing",answered:"answered",since:"since {time}",today_title:"Missed today",waiting_title:"Waiting to be called back",waiting_empty:"Nobody is waiting for a call back.",waiting_more:"{count} more not shown.",withheld:"Withheld number",unknown_caller:"Unknown caller",name_from_phonebook:"from your phonebook",name_from_provider:"from the provider",called:"to {number}",catch_up:"Found after a gap",catch_up_explained:"Found after a gap in watching",voicemail:"Voicemail",call_back:"Call back",call_back_label:"Call back {who}",dealt_with:"Dealt with",dealt_with_label:"Mark the call from {who} at {time} as dealt with",all_dealt_with:"All dealt with",all_dealt_with_label:"Mark all {count} waiting calls as dealt with",action_failed:"Could not mark as dealt with: {error}",editor_account:"Account",editor_title:"Title (empty: the account's name)",editor_waiting_calls:"Waiting calls to show",editor_sections:"Sections",editor_live:"Calls in progress",editor_today:"Missed today",editor_waiting:"Waiting calls",editor_no_accounts:"No Callwatch account is set up yet."},Oe={en:ae};function O(s){let e=(s??"en").split("-")[0],t=Oe[s??""]??Oe[e]??ae;return(i,n={})=>(t[i]??ae[i]).replace(/\{(\w+)\}/g,(o,r)=>r in n?String(n[r]):o)}var le=O("en");var Ye={live:"editor_live",today:"editor_today",waiting:"editor_waiting"},U=class extends m{setConfig(e){this._config=e}render(){if(!this.hass||!this._config)return d``;let e=O(this.hass.locale?.language??this.hass.language),t=this._config,i=G(this.hass),n=E(t);return d`
      <div class="editor">
        <label>
          <span>${e("editor_account")}</span>
          <select
            .value=${t.config_entry_id??""}
            @change=${o=>this._update({config_entry_id:o.target.value})}
          >
            ${i.length?i.map(o=>d`<option
                      value=${o.entryId}
                      ?selected=${o.entryId===t.config_entry_id}
                    >
                      ${o.name}
                    </option>`):d`<option value="">${e("editor_no_accounts")}</option>`}
          </select>
        </label>
        <label>
          <span>${e("editor_title")}</span>
          <input
            type="text"
            .value=${t.title??""}
            @change=${o=>this._update({title:o.target.value||void 0})}
          />
        </label>
        <label>
          <span>${e("editor_waiting_calls")}</span>
          <input
            type="number"
            min="1"
            max=${20}
            step="1"
            .value=${String(t.waiting_calls??5)}
            @change=${o=>{let r=Number(o.target.value);Number.isInteger(r)&&r>=1&&r<=20&&this._update({waiting_calls:r})}}
          />
        </label>
        <fieldset>
          <legend>${e("editor_sections")}</legend>
          ${S.map(o=>d`
              <label class="check">
                <input
                  type="checkbox"
                  .checked=${n.includes(o)}
                  @change=${r=>this._toggle(o,r.target.checked)}
                />
                <span>${e(Ye[o])}</span>
              </label>
            `)}
        </fieldset>
      </div>
    `}_toggle(e,t){let i=E(this._config??{type:""}),n=S.filter(o=>o===e?t:i.includes(o));this._update({sections:n.length===S.length?void 0:n})}_update(e){let t={...this._config,...e};for(let[i,n]of Object.entries(e))n===void 0&&delete t[i];this._config=t,this.dispatchEvent(new CustomEvent("config-changed",{detail:{config:t},bubbles:!0,composed:!0}))}};U.properties={hass:{attribute:!1},_config:{state:!0}},U.styles=T`
    .editor {
      display: grid;
      gap: 16px;
      color: var(--primary-text-color);
    }
    label {
      display: grid;
      gap: 4px;
    }
    label.check {
      display: flex;
      align-items: center;
      gap: 8px;
      min-height: 40px;
    }
    select,
    input[type="text"],
    input[type="number"] {
      min-height: 40px;
      padding: 0 8px;
      border: 1px solid var(--divider-color);
      border-radius: 4px;
      background: var(--card-background-color, var(--primary-background-color));
      color: var(--primary-text-color);
      font: inherit;
    }
    input[type="checkbox"] {
      width: 20px;
      height: 20px;
      accent-color: var(--primary-color);
    }
    fieldset {
      margin: 0;
      padding: 8px 12px;
      border: 1px solid var(--divider-color);
      border-radius: 4px;
    }
    :focus-visible {
      outline: 2px solid var(--primary-color);
      outline-offset: 2px;
    }
  `;customElements.get("callwatch-card-editor")||customElements.define("callwatch-card-editor",U);function et(s){return s.locale.time_zone==="server"?s.config.time_zone:void 0}function De(s,e){return s.toLocaleDateString("en-CA",{timeZone:e})}function ce(s,e,t=new Date){let i=new Date(e);if(Number.isNaN(i.getTime()))return e;let n=et(s),o=s.locale.language||s.language,r=De(i,n)===De(t,n);return new Intl.DateTimeFormat(o,{timeZone:n,hour:"numeric",minute:"2-digit",...r?{}:{weekday:"short",day:"numeric",month:"short"}}).format(i)}var z="callwatch-card",tt="callwatch-card-editor",D=class extends m{constructor(){super(),this._pending=new Set}static getConfigElement(){return document.createElement(tt)}static getStubConfig(e){let[t]=G(e);return{type:`custom:${z}`,config_entry_id:t?.entryId??"",waiting_calls:5}}setConfig(e){this._config=Me(e)}getCardSize(){return 1+E(this._config??{type:z}).length*2}getGridOptions(){return{columns:12,min_columns:6}}render(){let e=this.hass,t=this._config;if(!e||!t)return d``;let i=O(e.locale?.language??e.language),n=t.config_entry_id?ke(e,t.config_entry_id):void 0,o=t.title||n?.name||i("card_name"),r;return t.config_entry_id?n?r=E(t).map(c=>c==="live"?this._live(e,i,n):c==="today"?this._today(i,n):this._waiting(e,i,n,t.waiting_calls??5)):r=this._notice(i("account_not_found")):r=this._notice(i("no_account")),d`
      <ha-card>
        <h1 class="title">${o}</h1>
        <div class="body">${r}</div>
        ${this._error?d`<p class="error" role="alert">${i("action_failed",{error:this._error})}</p>`:l}
      </ha-card>
    `}_notice(e){return d`<p class="notice">${e}</p>`}_missing(e,t){return t===void 0?this._notice(e("not_shown")):He(t)?void 0:this._notice(e("unavailable"))}_live(e,t,i){let n=i.live,o=this._missing(t,n),r=n&&!o?Le(n):[];return d`
      <section class="live" aria-labelledby="live-title">
        <h2 id="live-title">
          ${t("live_title")}
          ${o?l:d`<span class="count">${n?.state}</span>`}
        </h2>
        ${o??(r.length?d`<ul>
              ${r.map(c=>this._liveCall(e,t,c))}
            </ul>`:this._notice(t("live_empty")))}
      </section>
    `}_liveCall(e,t,i){let n=i.direction==="outbound",o=n?i.calledName??i.calledShown:i.callerName??i.callerShown,r=[t(n?"outbound":"inbound"),t(i.answered?"answered":"ringing"),...i.since?[t("since",{time:ce(e,i.since)})]:[]];return d`
      <li class="call ${i.answered?"answered":"ringing"}">
        <ha-icon
          aria-hidden="true"
          icon=${n?"mdi:phone-outgoing":i.answered?"mdi:phone-in-talk":"mdi:phone-ring"}
        ></ha-icon>
        <div class="details">
          <div class="who">${o??t(n?"unknown_caller":"withheld")}</div>
          <div class="meta">${r.join(" \xB7 ")}</div>
        </div>
      </li>
    `}_today(e,t){let i=this._missing(e,t.today);return d`
      <section class="today" aria-labelledby="today-title">
        <h2 id="today-title">
          ${e("today_title")}
          ${i?l:d`<span class="count">${t.today?.state}</span>`}
        </h2>
        ${i??l}
      </section>
    `}_waiting(e,t,i,n){let o=i.waiting,r=this._missing(t,o),c=o&&!r?Pe(o):[],a=Math.max(Number(o?.state)||0,c.length),h=c.slice(0,n);return d`
      <section class="waiting" aria-labelledby="waiting-title">
        <h2 id="waiting-title">
          ${t("waiting_title")}
          ${r?l:d`<span class="count">${a}</span>`}
        </h2>
        ${r??(h.length?d`<ul>
                ${h.map(p=>this._waitingCall(e,t,i,p))}
              </ul>
              ${a>h.length?d`<p class="more">${t("waiting_more",{count:a-h.length})}</p>`:l}
              <div class="footer">
                <button
                  type="button"
                  class="action"
                  aria-label=${t("all_dealt_with_label",{count:a})}
                  ?disabled=${this._pending.has("*")}
                  @click=${()=>this._acknowledge(i,"*",{})}
                >
                  ${t("all_dealt_with")}
                </button>
              </div>`:this._notice(t("waiting_empty")))}
      </section>
    `}_waitingCall(e,t,i,n){let o=ce(e,n.time),r=n.withheld?t("withheld"):n.callerShown,c=n.callerName??r??t("withheld"),a=n.callerName===null?void 0:n.callerNameSource==="phonebook"?"name_from_phonebook":n.callerNameSource==="provider"?"name_from_provider":void 0,h=n.callId?{call_id:n.callId}:n.callerNumber&&!n.withheld?{caller_number:n.callerNumber}:void 0,p=n.callId??`${n.time}|${n.callerNumber}`;return d`
      <li class="call">
        <ha-icon aria-hidden="true" icon="mdi:phone-missed"></ha-icon>
        <div class="details">
          <div class="who">
            ${c}${a?d` <span class="source">(${t(a)})</span>`:l}
          </div>
          ${n.callerName&&r?d`<div class="number">${r}</div>`:l}
          <div class="meta">
            <time datetime=${n.time}>${o}</time>
            ${n.calledShown?d` · ${t("called",{number:n.calledShown})}`:l}
            ${n.voicemail?d`<span class="badge">${t("voicemail")}</span>`:l}
            ${n.catchUp?d`<span class="badge" title=${t("catch_up_explained")}>${t("catch_up")}</span>`:l}
          </div>
        </div>
        <div class="actions">
          ${Ie(n.callerNumber)&&!n.withheld?d`<a class="action" href="tel:${n.callerNumber}" aria-label=${t("call_back_label",{who:c})}>
                ${t("call_back")}
              </a>`:l}
          ${h?d`<button
                type="button"
                class="action"
                aria-label=${t("dealt_with_label",{who:c,time:o})}
                ?disabled=${this._pending.has(p)}
                @click=${()=>this._acknowledge(i,p,h)}
              >
                ${t("dealt_with")}
              </button>`:l}
        </div>
      </li>
    `}async _acknowledge(e,t,i){if(this.hass){this._pending=new Set([...this._pending,t]),this._error=void 0;try{await this.hass.callService(M,"acknowledge_missed_calls",{config_entry_id:e.entryId,...i})}catch(n){this._error=n instanceof Error?n.message:String(n?.message??n)}finally{let n=new Set(this._pending);n.delete(t),this._pending=n}}}};D.properties={hass:{attribute:!1},_config:{state:!0},_pending:{state:!0},_error:{state:!0}},D.styles=T`
    ha-card {
      padding: 16px;
      color: var(--primary-text-color);
    }
    .title {
      margin: 0 0 8px;
      font-size: var(--ha-card-header-font-size, 24px);
      font-weight: normal;
      line-height: 1.3;
      color: var(--ha-card-header-color, var(--primary-text-color));
    }
    section + section {
      margin-top: 12px;
      padding-top: 12px;
      border-top: 1px solid var(--divider-color);
    }
    h2 {
      display: flex;
      justify-content: space-between;
      align-items: baseline;
      gap: 8px;
      margin: 0 0 4px;
      font-size: 1em;
      font-weight: 500;
    }
    .count {
      font-size: 1.5em;
      font-weight: 400;
      font-variant-numeric: tabular-nums;
    }
    ul {
      list-style: none;
      margin: 0;
      padding: 0;
    }
    .call {
      display: flex;
      flex-wrap: wrap;
      align-items: center;
      gap: 4px 12px;
      padding: 8px 0;
    }
    .call + .call {
      border-top: 1px solid var(--divider-color);
    }
    ha-icon {
      color: var(--state-icon-color, var(--secondary-text-color));
      flex: none;
    }
    .ringing ha-icon {
      color: var(--warning-color);
    }
    .waiting ha-icon {
      color: var(--error-color);
    }
    .details {
      flex: 1 1 12em;
      min-width: 0;
    }
    .who {
      font-weight: 500;
      overflow-wrap: anywhere;
    }
    .source,
    .number,
    .meta,
    .more,
    .notice {
      color: var(--secondary-text-color);
      font-size: 0.9em;
    }
    .source {
      font-weight: normal;
    }
    .badge {
      display: inline-block;
      margin-left: 6px;
      padding: 0 6px;
      border-radius: 8px;
      font-size: 0.85em;
      color: var(--text-primary-color, #fff);
      background: var(--primary-color);
    }
    .actions {
      display: flex;
      gap: 8px;
      margin-left: auto;
    }
    .action {
      display: inline-flex;
      align-items: center;
      min-height: 40px;
      padding: 0 14px;
      border: 1px solid var(--primary-color);
      border-radius: 20px;
      background: none;
      color: var(--primary-color);
      font: inherit;
      font-weight: 500;
      text-decoration: none;
      cursor: pointer;
    }
    .action:hover {
      background: rgba(var(--rgb-primary-color, 3, 169, 244), 0.12);
    }
    .action:focus-visible {
      outline: 2px solid var(--primary-color);
      outline-offset: 2px;
    }
    .action[disabled] {
      opacity: 0.5;
      cursor: default;
    }
    .footer {
      display: flex;
      justify-content: flex-end;
      padding-top: 8px;
    }
    .notice,
    .more {
      margin: 4px 0;
    }
    .error {
      margin: 8px 0 0;
      color: var(--error-color);
    }
  `;customElements.get(z)||(customElements.define(z,D),window.customCards=window.customCards??[],window.customCards.push({type:z,name:le("card_name"),description:le("card_description"),preview:!0,documentationURL:"https://github.com/callwatch/callwatch#the-dashboard-card"}));
/*! Bundled license information:

@lit/reactive-element/css-tag.js:
  (**
   * @license
   * Copyright 2019 Google LLC
   * SPDX-License-Identifier: BSD-3-Clause
   *)

@lit/reactive-element/reactive-element.js:
lit-html/lit-html.js:
lit-element/lit-element.js:
  (**
   * @license
   * Copyright 2017 Google LLC
   * SPDX-License-Identifier: BSD-3-Clause
   *)

lit-html/is-server.js:
  (**
   * @license
   * Copyright 2022 Google LLC
   * SPDX-License-Identifier: BSD-3-Clause
   *)
*/
