// Creates an onnxruntime session in a process started with a very long command line (argv[2]).
import { encodeOnnxModel } from '../onnx-graph.js';
import { createSession } from '../ort-session.js';

const model = encodeOnnxModel({
  name: 'identity',
  inputs: [{ name: 'x', type: 'float32', dims: [2] }],
  outputs: [{ name: 'y', type: 'float32', dims: [2] }],
  initializers: [],
  nodes: [{ op: 'Identity', inputs: ['x'], outputs: ['y'] }],
});
const { ort, session } = await createSession(model);
const output = await session.run({ x: new ort.Tensor('float32', Float32Array.from([1, 2]), [2]) });
console.log(
  `ran ${Array.from(output['y']?.data as Float32Array).join(',')} with a ${process.argv[2]?.length}-character argument`,
);
