/** The TensorFlow.js namespace, for the files of src/tensor (everything else imports it from src/tensor). */
import * as tf from '@tensorflow/tfjs';

export { tf };
