// A minimal event emitter with vscode.EventEmitter's shape (event(listener) → disposable, fire, dispose),
// so the pipeline's classes can be run and tested without VS Code; views subscribe to it unchanged.

export interface Disposable {
  dispose(): void;
}

/** Subscribes a listener; the returned handle unsubscribes it. */
export type Event<T> = (listener: (e: T) => unknown) => Disposable;

export class Emitter<T> implements Disposable {
  private listeners: ((e: T) => unknown)[] = [];
  private disposed = false;

  readonly event: Event<T> = (listener) => {
    if (this.disposed) return { dispose: () => undefined };
    this.listeners.push(listener);
    return { dispose: () => (this.listeners = this.listeners.filter((l) => l !== listener)) };
  };

  /** Calls every listener in subscription order; one that throws does not stop the others. */
  fire(e: T): void {
    for (const l of [...this.listeners]) {
      try {
        l(e);
      } catch (err) {
        // Like vscode.EventEmitter: a faulty listener is reported, the event still reaches the rest.
        console.error(err);
      }
    }
  }

  dispose(): void {
    this.disposed = true;
    this.listeners = [];
  }
}
