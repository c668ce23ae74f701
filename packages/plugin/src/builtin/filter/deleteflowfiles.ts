// sr3 filter.deleteflowfiles: a flow that only clears files: each accepted notice's local file is removed and the
// notice is done without any transfer.
import Delete from '../accept/delete.js';

/**
 * `callback filter.deleteflowfiles`: removes each accepted item's destination file (confined; already gone is
 * fine) and moves it to `ok` (posted as done, nothing transferred); a removal that fails rejects it (500, logged).
 */
export default class DeleteFlowFiles extends Delete {
  override readonly name: string = 'filter.deleteflowfiles';
  protected override readonly thenDone: boolean = true;
}
