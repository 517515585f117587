import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { registerPolicyWorker } from '../sw/register';
import App from './App';
import './styles.css';

const root = document.getElementById('root');
if (!root) throw new Error('index.html has no #root element');
registerPolicyWorker();
createRoot(root).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
