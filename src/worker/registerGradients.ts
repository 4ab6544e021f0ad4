// tfjs-core registers op gradients only when asked (the @tensorflow/tfjs union package does it for
// browsers); every module that differentiates imports this file so tf.grad works on any backend.
import '@tensorflow/tfjs-core/dist/register_all_gradients';
