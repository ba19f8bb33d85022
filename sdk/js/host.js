// The host interfaces of the volley:scenario world, as the component sees
// them. Everything else in the SDK goes through this module.
export * as http from 'volley:scenario/http@0.1.0';
export * as vu from 'volley:scenario/vu@0.1.0';
export * as metrics from 'volley:scenario/metrics@0.1.0';
export * as data from 'volley:scenario/data@0.1.0';
