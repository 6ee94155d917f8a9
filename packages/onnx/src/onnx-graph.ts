import onnxProto, { type onnx as OnnxTypes } from 'onnx-proto';

// onnx-proto is a CommonJS protobufjs bundle: its namespace hangs off the default export.
const { onnx } = onnxProto;

/** The ONNX element types Loci's generated graphs use. */
export type GraphElementType = 'float32' | 'int64' | 'int32';

const elementTypes: Record<GraphElementType, number> = {
  float32: onnx.TensorProto.DataType.FLOAT,
  int64: onnx.TensorProto.DataType.INT64,
  int32: onnx.TensorProto.DataType.INT32,
};

/** A graph input or output: name, element type, and dims (strings are symbolic, e.g. 'batch'). */
export interface GraphValue {
  name: string;
  type: GraphElementType;
  dims: readonly (number | string)[];
}

/** A constant tensor stored inside the model (raw little-endian bytes). */
export interface GraphInitializer {
  name: string;
  type: GraphElementType;
  dims: readonly number[];
  data: Float32Array | Int32Array | BigInt64Array;
}

export interface GraphNode {
  op: string;
  inputs: readonly string[];
  outputs: readonly string[];
  attributes?: Readonly<Record<string, number | readonly number[]>>;
}

export interface GraphSpec {
  name: string;
  inputs: readonly GraphValue[];
  outputs: readonly GraphValue[];
  initializers: readonly GraphInitializer[];
  nodes: readonly GraphNode[];
  /** Default opset 13: Unsqueeze and ReduceSum take axes as inputs, ReduceL2 as an attribute. */
  opset?: number;
  metadata?: Readonly<Record<string, string>>;
}

function valueInfo(value: GraphValue): OnnxTypes.IValueInfoProto {
  return {
    name: value.name,
    type: {
      tensorType: {
        elemType: elementTypes[value.type],
        shape: {
          dim: value.dims.map((dim) => (typeof dim === 'number' ? { dimValue: dim } : { dimParam: dim })),
        },
      },
    },
  };
}

function attribute(name: string, value: number | readonly number[]): OnnxTypes.IAttributeProto {
  if (typeof value === 'number') {
    return Number.isInteger(value)
      ? { name, type: onnx.AttributeProto.AttributeType.INT, i: value }
      : { name, type: onnx.AttributeProto.AttributeType.FLOAT, f: value };
  }
  return { name, type: onnx.AttributeProto.AttributeType.INTS, ints: [...value] };
}

/** Serialises a graph to ONNX model bytes (IR version 8), ready for onnxruntime. */
export function encodeOnnxModel(spec: GraphSpec): Uint8Array {
  const model: OnnxTypes.IModelProto = {
    irVersion: 8,
    producerName: 'loci',
    opsetImport: [{ domain: '', version: spec.opset ?? 13 }],
    metadataProps: Object.entries(spec.metadata ?? {}).map(([key, value]) => ({ key, value })),
    graph: {
      name: spec.name,
      input: spec.inputs.map(valueInfo),
      output: spec.outputs.map(valueInfo),
      initializer: spec.initializers.map((tensor) => ({
        name: tensor.name,
        dataType: elementTypes[tensor.type],
        dims: [...tensor.dims],
        rawData: new Uint8Array(tensor.data.buffer, tensor.data.byteOffset, tensor.data.byteLength),
      })),
      node: spec.nodes.map((node, index) => ({
        name: `${node.op.toLowerCase()}_${index}`,
        opType: node.op,
        input: [...node.inputs],
        output: [...node.outputs],
        attribute: Object.entries(node.attributes ?? {}).map(([name, value]) => attribute(name, value)),
      })),
    },
  };
  return onnx.ModelProto.encode(model).finish();
}
