// The GJSON subset of res.json(selector), on the document GJSON's own
// documentation uses for its examples (restated here).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { get } from '../gjson.js';

const doc = {
  name: { first: 'Tom', last: 'Anderson' },
  age: 37,
  children: ['Sara', 'Alex', 'Jack'],
  'fav.movie': 'Deer Hunter',
  friends: [
    { first: 'Dale', last: 'Murphy', age: 44, nets: ['ig', 'fb', 'tw'] },
    { first: 'Roger', last: 'Craig', age: 68, nets: ['fb', 'tw'] },
    { first: 'Jane', last: 'Murphy', age: 47, nets: ['ig', 'tw'] },
  ],
};

test('paths, indexes, counts and projections', () => {
  assert.equal(get(doc, 'name.last'), 'Anderson');
  assert.equal(get(doc, 'age'), 37);
  assert.equal(get(doc, 'children.#'), 3);
  assert.equal(get(doc, 'children.1'), 'Alex');
  assert.equal(get(doc, 'child*.2'), 'Jack');
  assert.equal(get(doc, 'c?ildren.0'), 'Sara');
  assert.equal(get(doc, 'fav\\.movie'), 'Deer Hunter');
  assert.deepEqual(get(doc, 'friends.#.first'), ['Dale', 'Roger', 'Jane']);
  assert.deepEqual(get(doc, 'friends.#.nets.#'), [3, 2, 2]);
  assert.equal(get(doc, 'friends.1.last'), 'Craig');
});

test('queries', () => {
  assert.equal(get(doc, 'friends.#(last=="Murphy").first'), 'Dale');
  assert.deepEqual(get(doc, 'friends.#(last=="Murphy")#.first'), ['Dale', 'Jane']);
  assert.deepEqual(get(doc, 'friends.#(age>45)#.last'), ['Craig', 'Murphy']);
  assert.equal(get(doc, 'friends.#(first%"D*").last'), 'Murphy');
  assert.deepEqual(get(doc, 'friends.#(first!%"D*")#.last'), ['Craig', 'Murphy']);
  assert.equal(get(doc, 'friends.#(age>100).first'), undefined);
});

test('what does not exist is undefined', () => {
  assert.equal(get(doc, 'nope'), undefined);
  assert.equal(get(doc, 'friends.5'), undefined);
  assert.equal(get(doc, 'age.x'), undefined);
  assert.equal(get([1, 2], 'a'), undefined);
});

test('unsupported syntax is an error naming the selector', () => {
  assert.throws(() => get(doc, 'children|@reverse'), /"children\|@reverse" is GJSON syntax Volley does not support/);
  assert.throws(() => get(doc, 'children.@reverse'), /@reverse/);
});
